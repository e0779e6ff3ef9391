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
