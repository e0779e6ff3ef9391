import { createRemoteJWKSet } from 'jose';
import { GraphQLError } from 'graphql';
import { LRUCache } from 'lru-cache';
import { ANONYMOUS, verifyAccessToken, type Caller, type TokenKeyResolver, type VerifiedAccessToken } from '@commerce/common';
import type { SessionRevocations } from './session-revocations';

/** `Bearer <token>` in an Authorization header (RFC 6750 §2.1); group 1 is the token. */
export const BEARER = /^Bearer\s+(\S+)$/i;

/** How long a fetched key set is used before it is fetched again, ms: also how long a retired key is still accepted. */
export const DEFAULT_JWKS_CACHE_MAX_AGE_MS = 600_000;

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
    cacheMaxAge: options.cacheMaxAgeMs ?? DEFAULT_JWKS_CACHE_MAX_AGE_MS,
    timeoutDuration: 5_000,
  });
}

/** Access tokens kept verified (default): each is a few hundred bytes, so the cache stays under a few MB. */
export const DEFAULT_VERIFIED_TOKEN_ENTRIES = 10_000;

/**
 * Verifies access tokens (verifyAccessToken: EdDSA signature, issuer, audience, type, expiry)
 * and keeps each verified one, by its exact text, in a bounded LRU until its `exp`: a client
 * sends the same token on every request for its 15 minutes, and the signature check is the
 * costly part. Only what the signature proves is cached; whether the token's session is still
 * current is not, so a revocation (session-revocations.ts) takes effect on the next request.
 * An entry leaves at `exp`; past it the token goes through jose again, which applies the clock leeway.
 * A key retired from the JWKS stops new verifications only: a token already verified with it
 * stays good until its `exp` (the JWKS cache itself accepts a retired key for up to 10 minutes).
 */
export class AccessTokenVerifier {
  private readonly verified: LRUCache<string, VerifiedAccessToken>;

  /** @param keyMaxAgeMs longest time a verification is trusted, ms (the JWKS cache's max age). */
  constructor(
    private readonly keys: TokenKeyResolver,
    private readonly keyMaxAgeMs = DEFAULT_JWKS_CACHE_MAX_AGE_MS,
    maxEntries = DEFAULT_VERIFIED_TOKEN_ENTRIES,
  ) {
    this.verified = new LRUCache({ max: maxEntries });
  }

  /** @throws Error (from jose) when the token is invalid or expired. */
  async verify(token: string): Promise<VerifiedAccessToken> {
    const hit = this.verified.get(token);
    if (hit) return hit;
    const claims = await verifyAccessToken(token, this.keys);
    const ttlMs = Math.min(claims.expiresAt * 1000 - Date.now(), this.keyMaxAgeMs);
    if (ttlMs > 0) this.verified.set(token, claims, { ttl: ttlMs });
    return claims;
  }
}

/** Who the caller is, and until when (seconds since the epoch) their token is valid. */
export interface Authentication {
  caller: Caller;
  expiresAt?: number;
  /** The token's session epoch (signed-in callers only). */
  sessionEpoch?: number;
}

/** The one refusal of a token, whatever is wrong with it (401). */
export const unauthenticated = (): GraphQLError =>
  new GraphQLError('Invalid or expired access token', {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
  });

/**
 * The caller behind an `Authorization` value, by the token alone: none → anonymous;
 * `Bearer <access token>` → that user. The token is verified here, once, against the published
 * keys; subgraphs trust only what the gateway signs. Whether the session is still current is
 * not checked here (see {@link authenticate}, and admission.ts for the HTTP path).
 * @throws GraphQLError UNAUTHENTICATED (HTTP 401) for a malformed, invalid or expired token.
 */
export async function identify(authorization: string | undefined, verifier: AccessTokenVerifier): Promise<Authentication> {
  if (!authorization) return { caller: ANONYMOUS };
  const token = BEARER.exec(authorization)?.[1];
  try {
    if (!token) throw new Error('not a bearer token');
    const claims = await verifier.verify(token);
    return {
      caller: { kind: 'user', userId: claims.userId, role: claims.role, ...(claims.email === undefined ? {} : { email: claims.email }) },
      expiresAt: claims.expiresAt,
      sessionEpoch: claims.sessionEpoch,
    };
  } catch {
    throw unauthenticated();
  }
}

/**
 * {@link identify}, and with `revocations`, a token of a session that was ended (a suspension,
 * a password reset, a role change) is refused like an expired one.
 * @throws GraphQLError UNAUTHENTICATED (HTTP 401) for a malformed, invalid, expired or revoked token.
 */
export async function authenticate(
  authorization: string | undefined,
  verifier: AccessTokenVerifier,
  revocations?: SessionRevocations,
): Promise<Authentication> {
  const authentication = await identify(authorization, verifier);
  const { caller, sessionEpoch } = authentication;
  if (!revocations || caller.kind !== 'user') return authentication;
  // A failed check refuses too: a session that cannot be shown current is not let in.
  const current = await revocations.isCurrent(caller.userId, sessionEpoch ?? 0).catch(() => false);
  if (!current) throw unauthenticated();
  return authentication;
}
