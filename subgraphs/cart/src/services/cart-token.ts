import { createHash, randomBytes } from 'node:crypto';
import { InvalidCartTokenError } from '@commerce/common';

/** 32 random bytes (256 bits; issue 11 asks for at least 128) in base64url: 43 characters. */
const TOKEN_BYTES = 32;
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** A new guest cart token: random, unrelated to the cart's id, shown to the client once. */
export const newCartToken = (): string => randomBytes(TOKEN_BYTES).toString('base64url');

/**
 * The stored form of a token: hex SHA-256, so a leaked database does not hand out usable tokens.
 * A fast hash suffices (unlike passwords): the token carries 256 random bits, nothing to brute-force.
 * @throws InvalidCartTokenError for anything that is not a token's shape (a cart id, say).
 */
export function hashCartToken(token: string): string {
  if (!TOKEN_FORMAT.test(token)) throw new InvalidCartTokenError();
  return createHash('sha256').update(token).digest('hex');
}
