import { SignJWT, jwtVerify } from 'jose';

/** Roles of the supergraph; the user subgraph owns who has which. */
export type Role = 'ADMIN' | 'MODERATOR' | 'CUSTOMER';

/**
 * Who is making a request, as subgraphs see it. `user`: a signed-in client, forwarded by the
 * gateway. `service`: one of our own processes (a worker) calling an owning subgraph.
 */
export type Caller = { kind: 'anonymous' } | { kind: 'user'; userId: number; role: Role } | { kind: 'service'; service: string };

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

/**
 * A signer of `service`'s caller token that reuses one token for half its lifetime (30 of 60 s),
 * so a process calling other subgraphs signs about twice a minute instead of once per call; a
 * token it hands out always has at least 30 s left.
 */
export function serviceTokenSigner(service: string, secret: string): () => Promise<string> {
  let cached: { token: Promise<string>; renewAt: number } | undefined;
  return () => {
    const now = Date.now();
    if (!cached || now >= cached.renewAt) {
      const token = signCallerToken({ kind: 'service', service }, secret);
      cached = { token, renewAt: now + (TTL_SECONDS * 1000) / 2 };
      // A failed signing is not kept.
      token.catch(() => (cached = undefined));
    }
    return cached.token;
  };
}

/**
 * {@link verifyCallerToken} with a cache of the last `max` (default 1 000) tokens verified. Safe
 * because the key is the whole token string, whose HS256 signature covers every claim: a string
 * verified once carries the same caller until it expires, and expiry is checked on every use
 * (an expired entry is verified again, and so refused).
 */
export function cachingCallerTokenVerifier(secret: string, max = 1_000): (token: string) => Promise<VerifiedCaller> {
  const verified = new Map<string, { caller: VerifiedCaller; expiresAtMs: number }>();
  return async (token) => {
    const hit = verified.get(token);
    if (hit && Date.now() < hit.expiresAtMs) return hit.caller;
    verified.delete(token);
    const caller = await verifyCallerToken(token, secret);
    const { exp } = decodeProtectedExpiry(token);
    if (verified.size >= max) verified.delete(verified.keys().next().value!);
    verified.set(token, { caller, expiresAtMs: exp * 1000 });
    return caller;
  };
}

/** The `exp` claim of a token jose has just verified (so its payload is well-formed JSON with an exp). */
const decodeProtectedExpiry = (token: string): { exp: number } =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number };
