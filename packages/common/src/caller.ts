import { SignJWT, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';

/** Roles of the supergraph; the user subgraph owns who has which. */
export type Role = 'ADMIN' | 'MODERATOR' | 'CUSTOMER';

/**
 * Who is making a request, as subgraphs see it. `user`: a signed-in client, forwarded by the
 * gateway, with the email its access token states (as the user subgraph stores it; absent for a
 * token issued before tokens carried it). `service`: one of our own processes (a worker) calling
 * an owning subgraph.
 */
export type Caller =
  { kind: 'anonymous' } | { kind: 'user'; userId: number; role: Role; email?: string } | { kind: 'service'; service: string };

export const ANONYMOUS: Caller = { kind: 'anonymous' };

/** Header carrying the caller token from the gateway (or a worker) to a subgraph. */
export const CALLER_TOKEN_HEADER = 'x-caller-token';

const ISSUER = 'commerce-internal';
const AUDIENCE = 'commerce-subgraphs';
const TTL_SECONDS = 60;

const key = (secret: string) => new TextEncoder().encode(secret);

/**
 * Signs a short-lived (60 s unless `ttlSeconds` says otherwise) HS256 token describing `caller`.
 * Only holders of the internal secret (the gateway and our workers) can mint one, so a client
 * cannot forge an identity by sending the header itself: the gateway overwrites it on every
 * subgraph request. A longer `ttlSeconds` is for a holder of the secret that cannot sign per
 * request, e.g. `bench:gateways` giving peer gateways one static header for a whole run.
 */
export async function signCallerToken(caller: Caller, secret: string, clientIp?: string, ttlSeconds = TTL_SECONDS): Promise<string> {
  return new SignJWT(clientIp ? { caller, clientIp } : { caller })
    .setProtectedHeader({ alg: 'HS256', typ: 'caller+jwt' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key(secret));
}

/** What a caller token proves: who is calling and, for client requests, the client's address as the gateway saw it. */
export interface VerifiedCaller {
  caller: Caller;
  clientIp?: string;
}

/**
 * Verifies a caller token (signature, issuer, audience, expiry; HS256 only).
 * @throws Error (from jose) when the token is invalid or expired.
 */
export async function verifyCallerToken(token: string, secret: string): Promise<VerifiedCaller> {
  const { payload } = await jwtVerify(token, key(secret), {
    algorithms: ['HS256'],
    issuer: ISSUER,
    audience: AUDIENCE,
    typ: 'caller+jwt',
  });
  const caller = payload.caller as Caller | undefined;
  if (!caller || typeof caller !== 'object' || !('kind' in caller)) throw new Error('caller token without caller');
  return typeof payload.clientIp === 'string' ? { caller, clientIp: payload.clientIp } : { caller };
}

/** Signs caller tokens like {@link signCallerToken}, reusing each one for half its lifetime. */
export type CallerTokenSigner = (caller: Caller, clientIp?: string) => Promise<string>;

/**
 * A {@link signCallerToken} that reuses one token per (caller, client address) for half its
 * lifetime (30 of 60 s), so the gateway signs once per active caller and half-minute instead of
 * once per subgraph fetch, and a worker about twice a minute instead of once per call. A token it
 * hands out always has at least 30 s left. The token says only who the caller is and from where,
 * both in the cache key, so reusing it tells a subgraph nothing another signing would not.
 * Keeps the last `max` (default 10 000) callers; a failed signing is not kept.
 */
export function callerTokenSigner(secret: string, max = 10_000): CallerTokenSigner {
  const tokens = new LRUCache<string, Promise<string>>({ max, ttl: (TTL_SECONDS * 1000) / 2 });
  return (caller, clientIp) => {
    const cacheKey = JSON.stringify([caller, clientIp ?? null]);
    let token = tokens.get(cacheKey);
    if (!token) {
      token = signCallerToken(caller, secret, clientIp);
      tokens.set(cacheKey, token);
      token.catch(() => tokens.delete(cacheKey));
    }
    return token;
  };
}

/** {@link callerTokenSigner} for one of our own processes calling other subgraphs as `service`. */
export function serviceTokenSigner(service: string, secret: string): () => Promise<string> {
  const sign = callerTokenSigner(secret, 1);
  const caller: Caller = { kind: 'service', service };
  return () => sign(caller);
}

/**
 * {@link verifyCallerToken} with a cache of the last `max` (default 1 000) tokens verified. Safe
 * because the key is the whole token string, whose HS256 signature covers every claim: a string
 * verified once carries the same caller until it expires, and expiry is checked on every use
 * (an entry lives no longer than its token's `exp`; after it the token is verified again, and so refused).
 */
export function cachingCallerTokenVerifier(secret: string, max = 1_000): (token: string) => Promise<VerifiedCaller> {
  const verified = new LRUCache<string, VerifiedCaller>({ max });
  return async (token) => {
    const hit = verified.get(token);
    if (hit) return hit;
    const caller = await verifyCallerToken(token, secret);
    const ttl = decodeProtectedExpiry(token).exp * 1000 - Date.now();
    if (ttl > 0) verified.set(token, caller, { ttl });
    return caller;
  };
}

/** The `exp` claim of a token jose has just verified (so its payload is well-formed JSON with an exp). */
const decodeProtectedExpiry = (token: string): { exp: number } =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number };
