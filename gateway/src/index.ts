export { composeSupergraph, subgraphSdl } from './compose';
export { loadGatewayConfig, type GatewayConfig } from './env';
export { startGateway, type GatewayOptions, type GatewayStats, type RunningGateway } from './server';
