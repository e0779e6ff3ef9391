import type { Caller } from '@commerce/common';

/** Per-request state of the gateway: who is calling, and an id that follows the request into subgraphs. */
export interface GatewayContext {
  caller: Caller;
  requestId: string;
}
