import type { Redis } from 'ioredis';
import { ACCESS_TOKEN_TTL_SECONDS, TOKEN_CLOCK_TOLERANCE_SECONDS } from './access-token';

/**
 * Ending a user's open sessions before their access tokens expire (issue 11: a suspended user's
 * sessions end). Access tokens carry the user's session epoch (`sep`); the user subgraph raises
 * the epoch in its database and then, here, records it in Redis and publishes it:
 * - every gateway checks the recorded epoch on each HTTP request and each subscribe, and refuses
 *   tokens of an older epoch (UNAUTHENTICATED);
 * - every gateway listening on {@link sessionRevocationsChannel} closes the user's graphql-ws
 *   sockets and SSE streams at once.
 * The record outlives every token of an older epoch (token lifetime + clock leeway), then expires.
 */

/** Published after an epoch was raised (the database transaction committed). */
export interface SessionRevocationEvent {
  userId: number;
  /** Tokens with a smaller epoch are no longer accepted. */
  sessionEpoch: number;
}

/** How long the record of a raised epoch is kept, seconds: no older token outlives it. */
export const SESSION_REVOCATION_TTL_SECONDS = ACCESS_TOKEN_TTL_SECONDS + TOKEN_CLOCK_TOLERANCE_SECONDS;

export const sessionRevocationsChannel = (prefix: string) => `${prefix}:events:session-revocations`;
const epochKey = (prefix: string, userId: number) => `${prefix}:session-epoch:${userId}`;

/** Records `event` for every gateway and tells the ones connected now. @throws the Redis error. */
export async function publishSessionRevocation(redis: Redis, prefix: string, event: SessionRevocationEvent): Promise<void> {
  await redis.set(epochKey(prefix, event.userId), String(event.sessionEpoch), 'EX', SESSION_REVOCATION_TTL_SECONDS);
  await redis.publish(sessionRevocationsChannel(prefix), JSON.stringify(event));
}

/** The epoch a token of `userId` must have at least (0: no recent revocation). @throws the Redis error. */
export async function currentSessionEpoch(redis: Redis, prefix: string, userId: number): Promise<number> {
  const value = await redis.get(epochKey(prefix, userId));
  return value === null ? 0 : Number(value);
}
