export { composeSupergraph, SUBGRAPH_NAMES, type SubgraphName } from './compose';
export { loadGatewayConfig, type GatewayConfig } from './env';
export { startGateway, type GatewayOptions, type RunningGateway } from './server';
