import type { Caller } from '@commerce/common';

/**
 * The identity part of a sharing key: two executions (or subgraph fetches) may share one result
 * only when this is equal. It names everything a subgraph's answer to a query may depend on
 * about the caller: the kind, the user id and role (authorization reads both), the service name.
 * Not the token bytes (two tokens of one session must share) and not the session epoch: a token
 * of an ended session never gets past the perimeter, and a current one sees the same data.
 */
export const callerKey = (caller: Caller): string =>
  caller.kind === 'user' ? `user:${caller.userId}:${caller.role}` : caller.kind === 'service' ? `service:${caller.service}` : 'anonymous';
