import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import {
  BadUserInputError,
  ConflictError,
  ForbiddenError,
  consumeOrThrow,
  createRateLimiter,
  requireUser,
  type Caller,
  type Logger,
  type RateLimitRule,
  type Redis,
} from '@commerce/common';
import type { UserDb, UserRecord } from '../db';
import type { AccountEmailQueue } from '../notifications/account-email.queue';
import { emailSchema } from './account-names';
import { consumeAccountToken, findUsableToken } from './account-tokens';
import { assertPasswordPolicy } from './auth.service';
import { hashPassword } from './password';
import { announceSessionEnd, endSessions } from './sessions';

/** Throttling of the emails a client can make us send (OWASP Forgot Password Cheat Sheet). */
export interface AccountEmailThrottleRules {
  /** Reset requests for one address: default 3 per 15 minutes. */
  resetPerEmail: RateLimitRule;
  /** Reset requests from one client address: default 20 per 15 minutes. */
  resetPerIp: RateLimitRule;
  /** Verification emails one signed-in user may ask for again: default 3 per 15 minutes. */
  verificationPerUser: RateLimitRule;
}

export const DEFAULT_ACCOUNT_EMAIL_THROTTLE: AccountEmailThrottleRules = {
  resetPerEmail: { points: 3, durationSeconds: 15 * 60 },
  resetPerIp: { points: 20, durationSeconds: 15 * 60 },
  verificationPerUser: { points: 3, durationSeconds: 15 * 60 },
};

const INVALID_LINK = 'This link is invalid, was already used or has expired';
const THROTTLED = 'Too many emails requested; try again later';

/**
 * Account recovery and email verification by single-use link tokens (services/account-tokens.ts),
 * whose emails the notification worker sends (notifications/account-email.worker.ts).
 */
export class AccountService {
  private readonly resetPerEmail;
  private readonly resetPerIp;
  private readonly verificationPerUser;

  constructor(
    private readonly db: UserDb,
    private readonly emails: AccountEmailQueue,
    private readonly redis: Redis,
    private readonly redisPrefix: string,
    private readonly logger: Logger,
    rules: AccountEmailThrottleRules = DEFAULT_ACCOUNT_EMAIL_THROTTLE,
  ) {
    this.resetPerEmail = createRateLimiter(redis, redisPrefix, 'reset-email', rules.resetPerEmail);
    this.resetPerIp = createRateLimiter(redis, redisPrefix, 'reset-ip', rules.resetPerIp);
    this.verificationPerUser = createRateLimiter(redis, redisPrefix, 'verify-user', rules.verificationPerUser);
  }

  /**
   * Queues a verification email for a new account. Registration does not fail when Redis does:
   * the user can ask again ({@link requestEmailVerification}).
   */
  async sendVerificationAfterRegistration(user: UserRecord): Promise<void> {
    await this.emails.enqueue({ kind: 'EMAIL_VERIFICATION', userId: user.id }).catch((err: unknown) => {
      this.logger.error({ err, userId: user.id }, 'verification email not queued');
    });
  }

  /**
   * Sends the signed-in user a new verification link.
   * @throws UnauthenticatedError signed out; ConflictError when the address is verified already;
   *   RateLimitedError after 3 requests in 15 minutes.
   */
  async requestEmailVerification(caller: Caller): Promise<boolean> {
    const { userId } = requireUser(caller);
    const user = await this.db.user.findUnique({ where: { id: userId } });
    if (!user) throw new ForbiddenError('Unknown account');
    if (user.emailVerifiedAt) throw new ConflictError('This email address is verified already');
    await consumeOrThrow(this.verificationPerUser, String(userId), 1, THROTTLED);
    await this.emails.enqueue({ kind: 'EMAIL_VERIFICATION', userId });
    return true;
  }

  /**
   * Marks the token's user's email verified and uses the token up. Needs no sign-in (the link is
   * opened from the mailbox); a caller signed in as someone else is refused and the token stays usable.
   * @throws BadUserInputError (field `token`) for an unknown, used, expired or reset token;
   *   ForbiddenError when signed in as another user.
   */
  async verifyEmail(caller: Caller, token: string): Promise<UserRecord> {
    const row = await findUsableToken(this.db, token, 'EMAIL_VERIFICATION');
    if (!row) throw new BadUserInputError(INVALID_LINK, { field: 'token' });
    if (caller.kind === 'user' && caller.userId !== row.userId) throw new ForbiddenError('This link belongs to another account');
    return this.db.$transaction(async (tx) => {
      if (!(await consumeAccountToken(tx, row.id))) throw new BadUserInputError(INVALID_LINK, { field: 'token' });
      return tx.user.update({ where: { id: row.userId }, data: { emailVerifiedAt: new Date() } });
    });
  }

  /**
   * Queues a reset email for `email` and answers `true`, whether or not an account has it: the
   * worker looks the address up, so this path does the same work for every address (no
   * enumeration by answer or by time). Throttled per address and per client address.
   * @throws BadUserInputError for text that is not an email address; RateLimitedError while throttled.
   */
  async requestPasswordReset(email: string, clientIp?: string): Promise<boolean> {
    const parsed = emailSchema.safeParse(email);
    if (!parsed.success) throw new BadUserInputError('email: not a valid email address', { field: 'email' });
    if (clientIp) await consumeOrThrow(this.resetPerIp, clientIp, 1, THROTTLED);
    await consumeOrThrow(this.resetPerEmail, parsed.data, 1, THROTTLED);
    await this.emails.enqueue({ kind: 'PASSWORD_RESET', email: parsed.data });
    return true;
  }

  /**
   * Sets a new password with a reset token (single use, 30 minutes) and ends every session of the
   * user (refresh tokens revoked, access tokens refused by the gateway: services/sessions.ts) and every other reset link. The policy is registration's ({@link assertPasswordPolicy});
   * a password it refuses leaves the token usable.
   * @throws BadUserInputError (field `token`) for an unknown, used or expired token, or (field
   *   `password`) for a password the policy refuses.
   */
  async resetPassword(token: string, newPassword: string): Promise<boolean> {
    const row = await findUsableToken(this.db, token, 'PASSWORD_RESET');
    const user = row && (await this.db.user.findUnique({ where: { id: row.userId } }));
    if (!row || !user) throw new BadUserInputError(INVALID_LINK, { field: 'token' });
    assertPasswordPolicy(newPassword, user);
    const passwordHash = await hashPassword(newPassword);
    const epoch = await this.db.$transaction(async (tx) => {
      if (!(await consumeAccountToken(tx, row.id))) throw new BadUserInputError(INVALID_LINK, { field: 'token' });
      await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
      await tx.accountToken.updateMany({
        where: { userId: user.id, purpose: 'PASSWORD_RESET', usedAt: null },
        data: { usedAt: new Date() },
      });
      return endSessions(tx, user.id);
    });
    await announceSessionEnd(this.redis, this.redisPrefix, this.logger, user.id, epoch);
    this.logger.info({ userId: user.id }, 'password reset; every session revoked');
    return true;
  }

  /**
   * Sets (or with null removes) the signed-in user's phone number for SMS, stored as E.164.
   * @throws UnauthenticatedError signed out; BadUserInputError (field `phone`) for anything but a
   *   valid international number.
   */
  async setPhoneNumber(caller: Caller, phone: string | null | undefined): Promise<UserRecord> {
    const { userId } = requireUser(caller);
    const text = phone?.trim();
    let e164: string | null = null;
    if (text) {
      const parsed = text.length <= 32 ? parsePhoneNumberFromString(text) : undefined;
      if (!parsed?.isValid()) throw new BadUserInputError('phone must be a valid number in E.164, e.g. +14155552671', { field: 'phone' });
      e164 = parsed.number;
    }
    return this.db.user.update({ where: { id: userId }, data: { phone: e164 } });
  }
}
