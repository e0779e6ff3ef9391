import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { Role } from './caller';

/** Lifetime of an access token: 15 minutes. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** Lifetime of a refresh token: 30 days. */
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;

const ISSUER = 'commerce-user-subgraph';
const AUDIENCE = 'commerce-supergraph';
// Distinct `typ` values keep a refresh token from ever being accepted as an access token (RFC 8725 §3.11).
const ACCESS_TYP = 'at+jwt';
const REFRESH_TYP = 'refresh+jwt';

export interface AccessClaims {
  userId: number;
  role: Role;
}

const key = (secret: string) => new TextEncoder().encode(secret);

/** Signs an access token (HS256, `typ: at+jwt` per RFC 9068, 15 minutes). */
export async function signAccessToken(claims: AccessClaims, secret: string): Promise<string> {
  return new SignJWT({ role: claims.role })
    .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TYP })
    .setSubject(String(claims.userId))
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(`${ACCESS_TOKEN_TTL_SECONDS}s`)
    .sign(key(secret));
}

/**
 * Verifies an access token: HS256 only, issuer, audience, `typ`, expiry (30 s clock leeway).
 * @throws Error (from jose) when it is invalid, expired or not an access token.
 */
export async function verifyAccessToken(token: string, secret: string): Promise<AccessClaims> {
  const { payload } = await jwtVerify(token, key(secret), {
    algorithms: ['HS256'],
    issuer: ISSUER,
    audience: AUDIENCE,
    typ: ACCESS_TYP,
    clockTolerance: 30,
  });
  const userId = Number(payload.sub);
  const role = payload.role;
  if (!Number.isSafeInteger(userId) || (role !== 'ADMIN' && role !== 'MODERATOR' && role !== 'CUSTOMER')) {
    throw new Error('access token with malformed claims');
  }
  return { userId, role };
}

/** Signs a refresh token whose `jti` is recorded by the user subgraph (rotation, revocation). */
export async function signRefreshToken(userId: number, jti: string, secret: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: REFRESH_TYP })
    .setSubject(String(userId))
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setJti(jti)
    .setExpirationTime(`${REFRESH_TOKEN_TTL_SECONDS}s`)
    .sign(key(secret));
}

/**
 * Verifies a refresh token and returns its subject and `jti`.
 * @throws Error (from jose) when it is invalid, expired or not a refresh token.
 */
export async function verifyRefreshToken(token: string, secret: string): Promise<{ userId: number; jti: string }> {
  const { payload } = await jwtVerify(token, key(secret), {
    algorithms: ['HS256'],
    issuer: ISSUER,
    audience: AUDIENCE,
    typ: REFRESH_TYP,
  });
  const userId = Number(payload.sub);
  if (!Number.isSafeInteger(userId) || !payload.jti) throw new Error('refresh token with malformed claims');
  return { userId, jti: payload.jti };
}
