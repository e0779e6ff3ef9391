import type { Caller } from '@commerce/common';

/** Per-request state of the gateway: who is calling, and an id that follows the request into subgraphs. */
export interface GatewayContext {
  caller: Caller;
  /** The client's address (Express `req.ip`, or the socket's for graphql-ws), forwarded signed to subgraphs. */
  clientIp?: string;
  requestId: string;
}
