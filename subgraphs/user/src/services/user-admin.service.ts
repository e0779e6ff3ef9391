import { z } from 'zod';
import {
  BadUserInputError,
  NotFoundError,
  connectionPage,
  cursorCodec,
  cursorKeys,
  hasControlCharacters,
  pageSize,
  requireAdmin,
  tryParseIntId,
  type Caller,
  type Logger,
  type PageInfo,
  type Redis,
  type Role,
} from '@commerce/common';
import type { Prisma, UserDb, UserRecord } from '../db';
import { announceSessionEnd, endSessions } from './sessions';

export type UserStatus = 'ACTIVE' | 'SUSPENDED';

export interface UserFilter {
  /** Part of the username, email, first or last name (case-insensitive). */
  search?: string | null;
  role?: Role | null;
  status?: UserStatus | null;
}

/** A page of users in id order. */
export interface UserPage {
  edges: { cursor: string; node: UserRecord }[];
  pageInfo: PageInfo;
  totalCount: number;
}

const cursor = cursorCodec(z.object({ id: cursorKeys.intId() }).strict());

/** Admin user management: listing, roles, suspension (issue 11). Every method is ADMIN only. */
export class UserAdminService {
  constructor(
    private readonly db: UserDb,
    private readonly redis: Redis,
    private readonly redisPrefix: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Users matching `filter`, in id order, as a Relay connection (keyset on id; one cursor codec).
   * @throws UnauthenticatedError / ForbiddenError for non-admins; BadUserInputError for a bad
   *   cursor, `first` outside 0..100, or a search over 100 characters.
   */
  async list(caller: Caller, filter: UserFilter, first: number | null | undefined, after: string | null | undefined): Promise<UserPage> {
    requireAdmin(caller, 'Only an admin may list users');
    const take = pageSize(first);
    const search = filter.search?.trim();
    if (search && (search.length > 100 || hasControlCharacters(search))) {
      throw new BadUserInputError('search: at most 100 characters, no control characters', { field: 'filter.search' });
    }
    const where: Prisma.UserWhereInput = {
      ...(filter.role ? { role: filter.role } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      ...(search
        ? {
            OR: (['username', 'email', 'firstName', 'lastName'] as const).map((field) => ({
              [field]: { contains: search, mode: 'insensitive' as const },
            })),
          }
        : {}),
    };
    const start = after ? cursor.decode(after).id : 0;
    const [rows, totalCount] = await Promise.all([
      this.db.user.findMany({ where: { ...where, id: { gt: start } }, orderBy: { id: 'asc' }, take: take + 1 }),
      this.db.user.count({ where }),
    ]);
    return { ...connectionPage(rows, take, Boolean(after), (u) => ({ cursor: cursor.encode({ id: u.id }), node: u })), totalCount };
  }

  /**
   * Gives a user another role. Their access tokens of the old role stop working at once (the
   * session epoch is raised); their next refresh carries the new role. An admin cannot change
   * their own role (so the last admin cannot demote themself by mistake).
   * @throws NotFoundError for an unknown user; BadUserInputError for the caller's own account.
   */
  async setRole(caller: Caller, id: string, role: Role): Promise<UserRecord> {
    const admin = requireAdmin(caller, 'Only an admin may change roles');
    const userId = this.userIdOf(id);
    if (userId === admin.userId) throw new BadUserInputError('You cannot change your own role', { field: 'userId' });
    const { user, epoch } = await this.db.$transaction(async (tx) => {
      const current = await tx.user.findUnique({ where: { id: userId } });
      if (!current) throw new NotFoundError('User', id);
      if (current.role === role) return { user: current, epoch: null };
      const epoch = await endSessions(tx, userId, { keepRefreshTokens: true });
      return { user: await tx.user.update({ where: { id: userId }, data: { role } }), epoch };
    });
    if (epoch !== null) await announceSessionEnd(this.redis, this.redisPrefix, this.logger, userId, epoch);
    this.logger.info({ userId, role, by: admin.userId }, 'role changed');
    return user;
  }

  /**
   * Suspends a user: no sign-in, no refresh (ACCOUNT_SUSPENDED), every refresh token revoked and
   * open sessions ended (access tokens refused, sockets closed: services/sessions.ts). Suspending a
   * suspended user ends their sessions again. An admin cannot suspend themself.
   * @throws NotFoundError for an unknown user; BadUserInputError for the caller's own account.
   */
  async suspend(caller: Caller, id: string): Promise<UserRecord> {
    const admin = requireAdmin(caller, 'Only an admin may suspend accounts');
    const userId = this.userIdOf(id);
    if (userId === admin.userId) throw new BadUserInputError('You cannot suspend your own account', { field: 'userId' });
    const { user, epoch } = await this.db.$transaction(async (tx) => {
      const updated = await tx.user.updateMany({ where: { id: userId }, data: { status: 'SUSPENDED' } });
      if (updated.count === 0) throw new NotFoundError('User', id);
      const epoch = await endSessions(tx, userId);
      return { user: await tx.user.findUniqueOrThrow({ where: { id: userId } }), epoch };
    });
    await announceSessionEnd(this.redis, this.redisPrefix, this.logger, userId, epoch);
    this.logger.info({ userId, by: admin.userId }, 'account suspended; sessions ended');
    return user;
  }

  /** Lets a suspended user sign in again (their old sessions stay ended). @throws NotFoundError for an unknown user. */
  async reactivate(caller: Caller, id: string): Promise<UserRecord> {
    const admin = requireAdmin(caller, 'Only an admin may reactivate accounts');
    const userId = this.userIdOf(id);
    const { count } = await this.db.user.updateMany({ where: { id: userId }, data: { status: 'ACTIVE' } });
    if (count === 0) throw new NotFoundError('User', id);
    this.logger.info({ userId, by: admin.userId }, 'account reactivated');
    return this.db.user.findUniqueOrThrow({ where: { id: userId } });
  }

  private userIdOf(id: string): number {
    const userId = tryParseIntId(id);
    if (userId === null) throw new NotFoundError('User', id);
    return userId;
  }
}
