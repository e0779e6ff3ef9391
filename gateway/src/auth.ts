import { createRemoteJWKSet } from 'jose';
import { GraphQLError } from 'graphql';
import { ANONYMOUS, verifyAccessToken, type Caller, type TokenKeyResolver } from '@commerce/common';
import type { SessionRevocations } from './session-revocations';

/** `Bearer <token>` in an Authorization header (RFC 6750 §2.1); group 1 is the token. */
export const BEARER = /^Bearer\s+(\S+)$/i;

/** Where and how the gateway fetches the user subgraph's public token keys. */
export interface JwksOptions {
  /** The JWKS URL, e.g. `http://user:4001/.well-known/jwks.json`. */
  url: string;
  /** Least time between two fetches triggered by an unknown `kid`, ms (default 30 000). */
  cooldownMs?: number;
  /** A fetched set is refreshed after this long, ms (default 600 000): how long a retired key is still accepted. */
  cacheMaxAgeMs?: number;
}

/**
 * The published keys, fetched on first use and cached (jose `createRemoteJWKSet`); a token with a
 * `kid` the cache does not know triggers a refetch, so a rotated-in key works at once.
 */
export function remoteKeys(options: JwksOptions): TokenKeyResolver {
  return createRemoteJWKSet(new URL(options.url), {
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
    timeoutDuration: 5_000,
  });
}

/** Who the caller is, and until when (seconds since the epoch) their token is valid. */
export interface Authentication {
  caller: Caller;
  expiresAt?: number;
  /** The token's session epoch (signed-in callers only). */
  sessionEpoch?: number;
}

/**
 * The caller behind an `Authorization` value: none → anonymous; `Bearer <access token>` →
 * that user. The token is verified here, once, against the published keys; subgraphs trust
 * only what the gateway signs. With `revocations`, a token of a session that was ended (a
 * suspension, a password reset, a role change) is refused like an expired one.
 * @throws GraphQLError UNAUTHENTICATED (HTTP 401) for a malformed, invalid, expired or revoked token.
 */
export async function authenticate(
  authorization: string | undefined,
  keys: TokenKeyResolver,
  revocations?: SessionRevocations,
): Promise<Authentication> {
  if (!authorization) return { caller: ANONYMOUS };
  const token = BEARER.exec(authorization)?.[1];
  try {
    if (!token) throw new Error('not a bearer token');
    const claims = await verifyAccessToken(token, keys);
    if (revocations && !(await revocations.isCurrent(claims.userId, claims.sessionEpoch))) throw new Error('session ended');
    return {
      caller: { kind: 'user', userId: claims.userId, role: claims.role },
      expiresAt: claims.expiresAt,
      sessionEpoch: claims.sessionEpoch,
    };
  } catch {
    throw new GraphQLError('Invalid or expired access token', {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
    });
  }
}
