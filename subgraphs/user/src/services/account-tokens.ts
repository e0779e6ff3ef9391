import { createHash, randomBytes } from 'node:crypto';
import type { Prisma, UserDb } from '../db';

export type AccountTokenPurpose = 'EMAIL_VERIFICATION' | 'PASSWORD_RESET';

/**
 * Lifetimes of link tokens, seconds: a verification link a day (OWASP Forgot Password Cheat
 * Sheet: short-lived; a mailbox may be read late), a reset link 30 minutes (issue 11).
 */
export const ACCOUNT_TOKEN_TTL_SECONDS: Record<AccountTokenPurpose, number> = {
  EMAIL_VERIFICATION: 24 * 3600,
  PASSWORD_RESET: 30 * 60,
};

/** Longest token accepted: ours are 43 characters; anything much longer is not ours. */
const MAX_TOKEN_LENGTH = 128;

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

type Tx = Prisma.TransactionClient | UserDb;

/**
 * Creates a single-use link token for `userId`: 256 random bits, base64url (43 characters). Only
 * its SHA-256 is stored, so a database leak reveals no usable link.
 * @returns the token itself, to put in the email and nowhere else.
 */
export async function issueAccountToken(tx: Tx, userId: number, purpose: AccountTokenPurpose, now = new Date()): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await tx.accountToken.create({
    data: { tokenHash: sha256(token), purpose, userId, expiresAt: new Date(now.getTime() + ACCOUNT_TOKEN_TTL_SECONDS[purpose] * 1000) },
  });
  return token;
}

/** The unused, unexpired token row of `purpose` that `token` names, or null (wrong purpose, used, expired, unknown). */
export async function findUsableToken(db: Tx, token: string, purpose: AccountTokenPurpose) {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
  return db.accountToken.findFirst({ where: { tokenHash: sha256(token), purpose, usedAt: null, expiresAt: { gt: new Date() } } });
}

/**
 * Marks the token used. The conditional update is the single-use check: of two concurrent uses,
 * exactly one sees `true`; an expired one is never consumed.
 */
export async function consumeAccountToken(tx: Tx, id: string): Promise<boolean> {
  const now = new Date();
  const { count } = await tx.accountToken.updateMany({ where: { id, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
  return count === 1;
}
