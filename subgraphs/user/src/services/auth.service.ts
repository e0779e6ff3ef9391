import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  AccountSuspendedError,
  BadUserInputError,
  ConflictError,
  REFRESH_TOKEN_TTL_SECONDS,
  UnauthenticatedError,
  hasControlCharacters,
  localKeyResolver,
  requireUser,
  signAccessToken,
  signRefreshToken,
  verifyRefreshToken,
  type Caller,
  type Logger,
  type SigningKeySet,
  type TokenKeyResolver,
  isUniqueViolation,
} from '@commerce/common';
import type { UserDb, UserRecord } from '../db';
import { emailSchema, loginKey, usernameSchema } from './account-names';
import type { LoginThrottle } from './login-throttle';
import { dummyVerify, hashPassword, isWeakerHash, verifyPassword } from './password';

/** A signed-in session: a 15-minute access token, a single-use 30-day refresh token, the user. */
export interface AuthResult {
  accessToken: string;
  refreshToken: string;
  user: UserRecord;
}

const registerSchema = z
  .object({
    username: usernameSchema,
    email: emailSchema,
    password: z.string(),
    firstName: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .refine((v) => !hasControlCharacters(v), 'no control characters'),
    lastName: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .refine((v) => !hasControlCharacters(v), 'no control characters'),
  })
  .transform(({ username, ...rest }) => ({ ...rest, ...username }));
export type RegisterInput = z.input<typeof registerSchema>;

// A few of the most common leaked passwords (NIST SP 800-63B §3.1.1.2 asks to refuse known-compromised ones).
const COMMON_PASSWORDS = new Set([
  'password',
  'password1',
  'password123',
  '12345678',
  '123456789',
  '1234567890',
  'qwertyuiop',
  'iloveyou',
  'sunshine1',
  'letmein1',
  'welcome1',
  'admin123',
  'qwerty123',
  'abc12345',
  '11111111',
  '00000000',
  'football',
  'baseball',
  'princess',
]);

/**
 * Password policy (NIST SP 800-63B §3.1.1.2): 8 to 128 characters, any characters, not a
 * well-known password, not the username or email.
 * @throws BadUserInputError naming the rule that failed.
 */
export function assertPasswordPolicy(password: string, account: { username: string; email: string }): void {
  const fail = (message: string) => {
    throw new BadUserInputError(`password: ${message}`, { field: 'password' });
  };
  if (password.length < 8) fail('at least 8 characters');
  if (password.length > 128) fail('at most 128 characters');
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) fail('too common');
  if (lower === account.username.toLowerCase() || lower === account.email.toLowerCase()) fail('must differ from the username and email');
}

/** Accounts and sessions: login, registration, refresh-token rotation, logout, password change. */
export class AuthService {
  private readonly verificationKeys: TokenKeyResolver;

  constructor(
    private readonly db: UserDb,
    private readonly keys: SigningKeySet,
    private readonly throttle: LoginThrottle,
    private readonly logger: Logger,
    /** Called once an account is created (the verification email). */
    private readonly onRegistered: (user: UserRecord) => Promise<void> = async () => undefined,
  ) {
    this.verificationKeys = localKeyResolver(keys);
  }

  /**
   * Signs in with a username or an email. The same error for an unknown account and a wrong
   * password, so the answer does not reveal which accounts exist. Every attempt counts against
   * the account and the client address ({@link LoginThrottle}); a hash made with weaker
   * parameters than today's is replaced once the password is proven. A suspended account is
   * told so only after its password was proven, so the error reveals nothing to a stranger.
   * @throws UnauthenticatedError on wrong credentials; AccountSuspendedError for a suspended
   *   account; RateLimitedError while throttled.
   */
  async login(usernameOrEmail: string, password: string, clientIp?: string): Promise<AuthResult> {
    const login = usernameOrEmail.trim();
    if (login.length === 0 || login.length > 254 || password.length > 128 || hasControlCharacters(login)) {
      throw new UnauthenticatedError('Invalid username or password');
    }
    // The same normalization as registration, so `EMILYS` or `ｅｍｉｌｙｓ` is the account `emilys`.
    const key = loginKey(login);
    const user = await this.db.user.findUnique({ where: key });
    const account = user ? `user:${user.id}` : `login:${'email' in key ? key.email : key.usernameKey}`;
    await this.throttle.attempt(account, clientIp);
    const ok = user ? await verifyPassword(user.passwordHash, password) : await dummyVerify(password);
    if (!user || !ok) {
      this.logger.info({ login, clientIp }, 'failed login');
      throw new UnauthenticatedError('Invalid username or password');
    }
    await this.throttle.succeeded(account, clientIp);
    if (user.status === 'SUSPENDED') throw new AccountSuspendedError();
    if (isWeakerHash(user.passwordHash)) {
      await this.db.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(password) } });
      this.logger.info({ userId: user.id }, 'password rehashed with current parameters');
    }
    return this.issue(user);
  }

  /**
   * Changes the signed-in user's password and revokes every refresh token of theirs (each
   * session must sign in again; access tokens already issued expire within 15 minutes).
   * @throws UnauthenticatedError when signed out or `currentPassword` is wrong; BadUserInputError when the new
   * one breaks the policy; RateLimitedError while the account is throttled.
   */
  async changePassword(caller: Caller, currentPassword: string, newPassword: string, clientIp?: string): Promise<boolean> {
    const { userId } = requireUser(caller);
    const user = await this.db.user.findUnique({ where: { id: userId } });
    if (!user) throw new UnauthenticatedError();
    const account = `user:${user.id}`;
    await this.throttle.attempt(account, clientIp);
    if (currentPassword.length > 128 || !(await verifyPassword(user.passwordHash, currentPassword))) {
      throw new UnauthenticatedError('Current password is wrong');
    }
    await this.throttle.succeeded(account, clientIp);
    assertPasswordPolicy(newPassword, user);
    const passwordHash = await hashPassword(newPassword);
    const now = new Date();
    await this.db.$transaction([
      this.db.user.update({ where: { id: userId }, data: { passwordHash } }),
      this.db.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: now } }),
    ]);
    this.logger.info({ userId }, 'password changed; every session revoked');
    return true;
  }

  /**
   * Creates a CUSTOMER account and signs it in. The username and email are normalized and checked
   * as {@link usernameSchema} and {@link emailSchema} say; uniqueness is of their keys, so a case,
   * width or fold variant of a taken name is taken.
   * @throws BadUserInputError for invalid fields; ConflictError when the username or email is taken.
   */
  async register(input: RegisterInput): Promise<AuthResult> {
    const parsed = registerSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new BadUserInputError(`${issue.path.join('.')}: ${issue.message}`, { field: issue.path.join('.') });
    }
    const { password, ...profile } = parsed.data;
    assertPasswordPolicy(password, profile);
    try {
      const user = await this.db.user.create({ data: { ...profile, passwordHash: await hashPassword(password), role: 'CUSTOMER' } });
      await this.onRegistered(user);
      return this.issue(user);
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new ConflictError('Username or email is already registered');
      }
      throw err;
    }
  }

  /**
   * Rotates a refresh token: the presented one is revoked and a new pair issued in the same
   * family. Presenting a token that was already rotated revokes its whole family (reuse
   * detection, RFC 9700 §4.14.2), since one of the two holders is an attacker; the user's
   * other sessions (other devices) stay signed in. A suspended account cannot refresh.
   * @throws UnauthenticatedError for an invalid, expired, revoked or reused token;
   *   AccountSuspendedError for a suspended account (its tokens were revoked too).
   */
  async refresh(token: string): Promise<AuthResult> {
    let claims: { userId: number; jti: string };
    try {
      claims = await verifyRefreshToken(token, this.verificationKeys);
    } catch {
      throw new UnauthenticatedError('Invalid refresh token');
    }
    const stored = await this.db.refreshToken.findUnique({ where: { id: claims.jti } });
    if (!stored || stored.userId !== claims.userId) throw new UnauthenticatedError('Invalid refresh token');
    const owner = await this.db.user.findUnique({ where: { id: claims.userId }, select: { status: true } });
    if (owner?.status === 'SUSPENDED') throw new AccountSuspendedError();
    // The conditional update is the single-use check: of two concurrent refreshes, one wins.
    const { count } = await this.db.refreshToken.updateMany({
      where: { id: claims.jti, revokedAt: null, expiresAt: { gt: new Date() } },
      data: { revokedAt: new Date() },
    });
    if (count === 0) {
      await this.db.refreshToken.updateMany({ where: { familyId: stored.familyId, revokedAt: null }, data: { revokedAt: new Date() } });
      this.logger.warn({ userId: claims.userId, familyId: stored.familyId }, 'refresh token reuse: token family revoked');
      throw new UnauthenticatedError('Invalid refresh token');
    }
    const user = await this.db.user.findUnique({ where: { id: claims.userId } });
    if (!user) throw new UnauthenticatedError('Invalid refresh token');
    return this.issue(user, stored.familyId);
  }

  /** Ends the session of one refresh token (its whole family), or every session of `userId` when none is given. */
  async logout(userId: number | null, refreshToken: string | null | undefined): Promise<boolean> {
    if (refreshToken) {
      const claims = await verifyRefreshToken(refreshToken, this.verificationKeys).catch(() => null);
      if (!claims) return false;
      const stored = await this.db.refreshToken.findUnique({ where: { id: claims.jti } });
      if (!stored) return false;
      await this.db.refreshToken.updateMany({ where: { familyId: stored.familyId, revokedAt: null }, data: { revokedAt: new Date() } });
      return true;
    }
    if (userId === null) throw new UnauthenticatedError();
    await this.db.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
    return true;
  }

  /** A new token pair; `familyId` continues a rotated session, none starts a new one (a sign-in). */
  private async issue(user: UserRecord, familyId?: string): Promise<AuthResult> {
    const jti = randomUUID();
    await this.db.refreshToken.create({
      data: { id: jti, familyId: familyId ?? jti, userId: user.id, expiresAt: new Date(Date.now() + REFRESH_TOKEN_TTL_SECONDS * 1000) },
    });
    const key = this.keys.current;
    return {
      accessToken: await signAccessToken({ userId: user.id, role: user.role, sessionEpoch: user.sessionEpoch, email: user.email }, key),
      refreshToken: await signRefreshToken(user.id, jti, key),
      user,
    };
  }
}
