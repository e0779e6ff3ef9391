import { randomUUID } from 'node:crypto';
import { SignJWT, createLocalJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Role } from './caller';
import { TOKEN_ALGORITHM, type SigningKey, type SigningKeySet } from './signing-keys';

/** Lifetime of an access token: 15 minutes. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** Lifetime of a refresh token: 30 days. */
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;

/** `iss` of client tokens. */
export const TOKEN_ISSUER = 'commerce-user-subgraph';
/** `aud` of client tokens. */
export const TOKEN_AUDIENCE = 'commerce-supergraph';
// Distinct `typ` values keep a refresh token from ever being accepted as an access token (RFC 8725 §3.11).
export const ACCESS_TOKEN_TYP = 'at+jwt';
export const REFRESH_TOKEN_TYP = 'refresh+jwt';

export interface AccessClaims {
  userId: number;
  role: Role;
  /**
   * The user's session epoch when the token was issued (claim `sep`; 0 when absent). Suspending
   * an account raises its epoch, and the gateway refuses tokens of an older one (session-revocation.ts).
   */
  sessionEpoch?: number;
  /**
   * The user's email as the user subgraph stores it (claim `email`, as OpenID Connect names it;
   * an account's email never changes). Absent from tokens issued before it was added.
   */
  email?: string;
}

/** Clock leeway for `exp` and `nbf`, in seconds (RFC 8725 asks for a small one; the issue caps it at 60). */
export const TOKEN_CLOCK_TOLERANCE_SECONDS = 60;

/**
 * Where a verifier finds the public key of a token's `kid`: the gateway's remote JWKS
 * (jose `createRemoteJWKSet`) or the user subgraph's own key set.
 */
export type TokenKeyResolver = JWTVerifyGetKey;

/** A resolver over the keys a {@link SigningKeySet} publishes right now (follows rotations). */
export function localKeyResolver(keys: SigningKeySet): TokenKeyResolver {
  return (header, token) => createLocalJWKSet(keys.jwks())(header, token);
}

function sign(payload: Record<string, unknown>, typ: string, key: SigningKey) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ, kid: key.kid })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setNotBefore('0s');
}

/** Signs an access token (EdDSA with `kid`, `typ: at+jwt` per RFC 9068, 15 minutes). */
export async function signAccessToken(claims: AccessClaims, key: SigningKey): Promise<string> {
  const email = claims.email === undefined ? {} : { email: claims.email };
  return sign({ role: claims.role, sep: claims.sessionEpoch ?? 0, ...email }, ACCESS_TOKEN_TYP, key)
    .setSubject(String(claims.userId))
    .setJti(randomUUID())
    .setExpirationTime(`${ACCESS_TOKEN_TTL_SECONDS}s`)
    .sign(key.privateKey);
}

/** What a verified access token says, plus its expiry (seconds since the epoch). */
export interface VerifiedAccessToken extends AccessClaims {
  expiresAt: number;
  sessionEpoch: number;
}

/**
 * Verifies an access token per RFC 8725: EdDSA only (so `alg: none` and HS256-with-the-public-key
 * fail), key by `kid` from `keys`, issuer, audience, `typ: at+jwt`, `exp` and `nbf` with
 * {@link TOKEN_CLOCK_TOLERANCE_SECONDS} of leeway.
 * @throws Error (from jose) when it is invalid, expired or not an access token.
 */
export async function verifyAccessToken(token: string, keys: TokenKeyResolver): Promise<VerifiedAccessToken> {
  const { payload } = await jwtVerify(token, keys, {
    algorithms: [TOKEN_ALGORITHM],
    issuer: TOKEN_ISSUER,
    audience: TOKEN_AUDIENCE,
    typ: ACCESS_TOKEN_TYP,
    clockTolerance: TOKEN_CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ['exp', 'sub', 'iat'],
  });
  const userId = Number(payload.sub);
  const role = payload.role;
  if (!Number.isSafeInteger(userId) || (role !== 'ADMIN' && role !== 'MODERATOR' && role !== 'CUSTOMER')) {
    throw new Error('access token with malformed claims');
  }
  const sessionEpoch = payload.sep === undefined ? 0 : payload.sep;
  if (typeof sessionEpoch !== 'number' || !Number.isSafeInteger(sessionEpoch) || sessionEpoch < 0) {
    throw new Error('access token with malformed claims');
  }
  if (payload.email !== undefined && typeof payload.email !== 'string') throw new Error('access token with malformed claims');
  return { userId, role, sessionEpoch, expiresAt: payload.exp!, ...(payload.email === undefined ? {} : { email: payload.email }) };
}

/** Signs a refresh token whose `jti` is recorded by the user subgraph (rotation, revocation). */
export async function signRefreshToken(userId: number, jti: string, key: SigningKey): Promise<string> {
  return sign({}, REFRESH_TOKEN_TYP, key)
    .setSubject(String(userId))
    .setJti(jti)
    .setExpirationTime(`${REFRESH_TOKEN_TTL_SECONDS}s`)
    .sign(key.privateKey);
}

/**
 * Verifies a refresh token and returns its subject and `jti`.
 * @throws Error (from jose) when it is invalid, expired or not a refresh token.
 */
export async function verifyRefreshToken(token: string, keys: TokenKeyResolver): Promise<{ userId: number; jti: string }> {
  const { payload } = await jwtVerify(token, keys, {
    algorithms: [TOKEN_ALGORITHM],
    issuer: TOKEN_ISSUER,
    audience: TOKEN_AUDIENCE,
    typ: REFRESH_TOKEN_TYP,
    clockTolerance: TOKEN_CLOCK_TOLERANCE_SECONDS,
  });
  const userId = Number(payload.sub);
  if (!Number.isSafeInteger(userId) || !payload.jti) throw new Error('refresh token with malformed claims');
  return { userId, jti: payload.jti };
}
