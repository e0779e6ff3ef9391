import { GraphQLError } from 'graphql';
import { ANONYMOUS, verifyAccessToken, type Caller } from '@commerce/common';

/** `Bearer <token>` in an Authorization header (RFC 6750 §2.1); group 1 is the token. */
export const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * The caller behind an `Authorization` value: none → anonymous; `Bearer <access token>` →
 * that user. The token is verified here, once; subgraphs trust only what the gateway signs.
 * @throws GraphQLError UNAUTHENTICATED (HTTP 401) for a malformed, invalid or expired token.
 */
export async function callerFromAuthorization(authorization: string | undefined, jwtSecret: string): Promise<Caller> {
  if (!authorization) return ANONYMOUS;
  const token = BEARER.exec(authorization)?.[1];
  try {
    if (!token) throw new Error('not a bearer token');
    const claims = await verifyAccessToken(token, jwtSecret);
    return { kind: 'user', userId: claims.userId, role: claims.role };
  } catch {
    throw new GraphQLError('Invalid or expired access token', {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
    });
  }
}
