import type { Caller } from '@commerce/common';

/** Per-request state of the gateway: who is calling, and an id that follows the request into subgraphs. */
export interface GatewayContext {
  caller: Caller;
  /** The client's address (Express `req.ip`, or the socket's for graphql-ws), forwarded signed to subgraphs. */
  clientIp?: string;
  requestId: string;
  /**
   * The client's X-Cart-Token (a guest cart's bearer token), forwarded as sent to every subgraph
   * request of the operation; the cart subgraph checks it, the gateway does not.
   */
  cartToken?: string;
}
