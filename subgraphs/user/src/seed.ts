import os from 'node:os';
import pLimit from 'p-limit';
import type { Catalog, DummyRole } from '@commerce/seed-data';
import type { UserDb } from './db';
import { emailSchema, usernameSchema } from './services/account-names';
import { hashPassword, isWeakerHash } from './services/password';

const ROLES: Record<DummyRole, 'ADMIN' | 'MODERATOR' | 'CUSTOMER'> = { admin: 'ADMIN', moderator: 'MODERATOR', user: 'CUSTOMER' };

/**
 * Hashes each distinct password once with argon2id, as many at a time as there are cores. argon2
 * runs on libuv's thread pool (4 threads by default, 19 MiB each): more in flight would not go
 * faster on two cores but would hold the pool that file reads (Prisma loading its engine) also need.
 * @returns password → PHC hash string, each with its own random salt.
 */
export async function hashPasswords(passwords: Iterable<string>): Promise<Map<string, string>> {
  const limit = pLimit(Math.max(1, os.availableParallelism()));
  const distinct = [...new Set(passwords)];
  const hashes = await Promise.all(distinct.map((password) => limit(() => hashPassword(password))));
  return new Map(distinct.map((password, i) => [password, hashes[i]!]));
}

export interface SeedUsersOptions {
  /**
   * Hashes computed earlier (password → PHC string, `loadPasswordHashes()` from seed-data), used
   * where they are at least as strong as today's parameters; every other password is hashed now.
   */
  precomputed?: ReadonlyMap<string, string>;
}

/**
 * Imports the catalog's users with their catalog ids, passwords hashed with argon2id. Users sharing
 * a password (as in synthetic catalogs) share its hash. Users that exist already are skipped (no
 * rehash), so a second run changes nothing.
 * @returns how many users were inserted, and how many passwords had to be hashed.
 */
export async function seedUsers(
  db: UserDb,
  catalog: Pick<Catalog, 'users'>,
  { precomputed = new Map() }: SeedUsersOptions = {},
): Promise<{ users: number; passwordsHashed: number }> {
  const existing = new Set((await db.user.findMany({ select: { id: true } })).map((u) => u.id));
  const missing = catalog.users.filter((u) => !existing.has(u.id));
  const usable = (password: string) => {
    const hash = precomputed.get(password);
    return hash !== undefined && !isWeakerHash(hash) ? hash : undefined;
  };
  const fresh = await hashPasswords(missing.map((u) => u.password).filter((p) => usable(p) === undefined));
  const { count } = await db.user.createMany({
    data: missing.map((u) => ({
      id: u.id,
      // Normalized as registration does; a data set with a name it refuses fails the seed loudly.
      ...usernameSchema.parse(u.username),
      email: emailSchema.parse(u.email),
      firstName: u.firstName,
      lastName: u.lastName,
      role: ROLES[u.role],
      passwordHash: usable(u.password) ?? fresh.get(u.password)!,
    })),
    skipDuplicates: true,
  });
  await db.$executeRawUnsafe(`SELECT setval(pg_get_serial_sequence('"User"', 'id'), GREATEST((SELECT MAX(id) FROM "User"), 1))`);
  return { users: count, passwordsHashed: fresh.size };
}
