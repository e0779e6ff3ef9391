import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  BadUserInputError,
  ConflictError,
  REFRESH_TOKEN_TTL_SECONDS,
  UnauthenticatedError,
  signAccessToken,
  signRefreshToken,
  verifyRefreshToken,
  type Logger,
} from '@commerce/common';
import { Prisma, type UserDb, type UserRecord } from '../db';
import { dummyVerify, hashPassword, verifyPassword } from './password';

/** A signed-in session: a 15-minute access token, a single-use 30-day refresh token, the user. */
export interface AuthResult {
  accessToken: string;
  refreshToken: string;
  user: UserRecord;
}

const registerSchema = z.object({
  username: z
    .string()
    .trim()
    .min(3)
    .max(32)
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
  email: z.string().trim().toLowerCase().max(254).email(),
  password: z.string().min(8, 'at least 8 characters').max(128),
  firstName: z.string().trim().min(1).max(64),
  lastName: z.string().trim().min(1).max(64),
});
export type RegisterInput = z.input<typeof registerSchema>;

/** Accounts and sessions: login, registration, refresh-token rotation, logout. */
export class AuthService {
  constructor(
    private readonly db: UserDb,
    private readonly jwtSecret: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Signs in with a username or an email. The same error for an unknown account and a wrong
   * password, so the answer does not reveal which accounts exist.
   * @throws UnauthenticatedError on wrong credentials.
   */
  async login(usernameOrEmail: string, password: string): Promise<AuthResult> {
    const login = usernameOrEmail.trim();
    if (login.length === 0 || login.length > 254 || password.length > 128) throw new UnauthenticatedError('Invalid username or password');
    const user = await this.db.user.findUnique({
      where: login.includes('@') ? { email: login.toLowerCase() } : { username: login },
    });
    const ok = user ? await verifyPassword(user.passwordHash, password) : await dummyVerify(password);
    if (!user || !ok) {
      this.logger.info({ login }, 'failed login');
      throw new UnauthenticatedError('Invalid username or password');
    }
    return this.issue(user);
  }

  /**
   * Creates a CUSTOMER account and signs it in.
   * @throws BadUserInputError for invalid fields; ConflictError when the username or email is taken.
   */
  async register(input: RegisterInput): Promise<AuthResult> {
    const parsed = registerSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new BadUserInputError(`${issue.path.join('.')}: ${issue.message}`, { field: issue.path.join('.') });
    }
    const { password, ...profile } = parsed.data;
    try {
      const user = await this.db.user.create({ data: { ...profile, passwordHash: await hashPassword(password), role: 'CUSTOMER' } });
      return this.issue(user);
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        throw new ConflictError('Username or email is already registered');
      }
      throw err;
    }
  }

  /**
   * Rotates a refresh token: the presented one is revoked and a new pair issued. Presenting a
   * token that was already rotated revokes every session of the user (reuse detection,
   * RFC 9700 §4.14.2), since one of the two holders is an attacker.
   * @throws UnauthenticatedError for an invalid, expired, revoked or reused token.
   */
  async refresh(token: string): Promise<AuthResult> {
    let claims: { userId: number; jti: string };
    try {
      claims = await verifyRefreshToken(token, this.jwtSecret);
    } catch {
      throw new UnauthenticatedError('Invalid refresh token');
    }
    const { count } = await this.db.refreshToken.updateMany({
      where: { id: claims.jti, userId: claims.userId, revokedAt: null, expiresAt: { gt: new Date() } },
      data: { revokedAt: new Date() },
    });
    if (count === 0) {
      await this.db.refreshToken.updateMany({ where: { userId: claims.userId, revokedAt: null }, data: { revokedAt: new Date() } });
      this.logger.warn({ userId: claims.userId }, 'refresh token reuse: all sessions revoked');
      throw new UnauthenticatedError('Invalid refresh token');
    }
    const user = await this.db.user.findUnique({ where: { id: claims.userId } });
    if (!user) throw new UnauthenticatedError('Invalid refresh token');
    return this.issue(user);
  }

  /** Revokes one refresh token, or every session of `userId` when none is given. */
  async logout(userId: number | null, refreshToken: string | null | undefined): Promise<boolean> {
    if (refreshToken) {
      const claims = await verifyRefreshToken(refreshToken, this.jwtSecret).catch(() => null);
      if (!claims) return false;
      await this.db.refreshToken.updateMany({ where: { id: claims.jti, revokedAt: null }, data: { revokedAt: new Date() } });
      return true;
    }
    if (userId === null) throw new UnauthenticatedError();
    await this.db.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
    return true;
  }

  private async issue(user: UserRecord): Promise<AuthResult> {
    const jti = randomUUID();
    await this.db.refreshToken.create({
      data: { id: jti, userId: user.id, expiresAt: new Date(Date.now() + REFRESH_TOKEN_TTL_SECONDS * 1000) },
    });
    return {
      accessToken: await signAccessToken({ userId: user.id, role: user.role }, this.jwtSecret),
      refreshToken: await signRefreshToken(user.id, jti, this.jwtSecret),
      user,
    };
  }
}
