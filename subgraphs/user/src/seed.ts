import type { Catalog, DummyRole } from '@commerce/seed-data';
import type { UserDb } from './db';
import { emailSchema, usernameSchema } from './services/account-names';
import { hashPassword } from './services/password';

const ROLES: Record<DummyRole, 'ADMIN' | 'MODERATOR' | 'CUSTOMER'> = { admin: 'ADMIN', moderator: 'MODERATOR', user: 'CUSTOMER' };

/**
 * Imports the catalog's users with DummyJSON's ids, passwords hashed with argon2id. Users that
 * exist already are skipped (no rehash), so a second run changes nothing.
 * @returns how many users were inserted.
 */
export async function seedUsers(db: UserDb, catalog: Pick<Catalog, 'users'>): Promise<{ users: number }> {
  const existing = new Set((await db.user.findMany({ select: { id: true } })).map((u) => u.id));
  const missing = catalog.users.filter((u) => !existing.has(u.id));
  const rows = [];
  // Hash a few at a time: argon2 runs on libuv's thread pool, 19 MiB each.
  for (let i = 0; i < missing.length; i += 8) {
    const batch = missing.slice(i, i + 8);
    rows.push(
      ...(await Promise.all(
        batch.map(async (u) => ({
          id: u.id,
          // Normalized as registration does; a data set with a name it refuses fails the seed loudly.
          ...usernameSchema.parse(u.username),
          email: emailSchema.parse(u.email),
          firstName: u.firstName,
          lastName: u.lastName,
          role: ROLES[u.role],
          passwordHash: await hashPassword(u.password),
        })),
      )),
    );
  }
  const { count } = await db.user.createMany({ data: rows, skipDuplicates: true });
  await db.$executeRawUnsafe(`SELECT setval(pg_get_serial_sequence('"User"', 'id'), GREATEST((SELECT MAX(id) FROM "User"), 1))`);
  return { users: count };
}
