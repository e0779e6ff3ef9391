export { composeSupergraph, subgraphSdl } from './compose';
export { loadGatewayConfig, type GatewayConfig } from './env';
export { startGateway, type GatewayOptions, type GatewayStats, type RunningGateway } from './server';
export {
  DEFAULT_OPERATION_LIMITS,
  DEFAULT_RATE_LIMITS,
  validateOperation,
  type OperationLimits,
  type RequestRateLimits,
} from './perimeter';
