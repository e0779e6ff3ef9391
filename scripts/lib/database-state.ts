/**
 * Cheap questions `npm start` asks the databases before deciding to migrate or seed: one
 * connection and one or two queries per database, instead of loading the schema engine or the
 * subgraphs' seed code on every start.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import type { SubgraphName } from '@commerce/common/src/config';
import { ROOT, hashInputs, readStamp, writeStamp, type StampInput } from './stamps';

/** pg error codes: the database does not exist; the table does not exist. */
const INVALID_CATALOG_NAME = '3D000';
const UNDEFINED_TABLE = '42P01';

const pgCode = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null ? (error as { code?: string }).code : undefined;

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * The committed migrations of `subgraph` (`prisma/<subgraph>/migrations/<name>/migration.sql`) that
 * the database at `url` has not applied with the same SHA-256 checksum (Prisma's bookkeeping in
 * `_prisma_migrations`). A missing database or table means every migration is pending; a migration
 * edited after it was applied counts as pending, so `db:migrate` runs and reports the edit.
 *
 * @returns migration names, oldest first; empty when the database is up to date.
 * @throws the pg error when the server is unreachable.
 */
export async function pendingMigrations(subgraph: SubgraphName, url: string): Promise<string[]> {
  const dir = path.join(ROOT, 'prisma', subgraph, 'migrations');
  const committed = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort((a, b) => a.localeCompare(b))
    : [];
  let applied: Map<string, string>;
  try {
    applied = await withClient(url, async (client) => {
      const { rows } = await client.query<{ migration_name: string; checksum: string }>(
        'SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      );
      return new Map(rows.map((row) => [row.migration_name, row.checksum]));
    });
  } catch (error) {
    if (pgCode(error) === INVALID_CATALOG_NAME || pgCode(error) === UNDEFINED_TABLE) return committed;
    throw error;
  }
  return committed.filter((name) => {
    const file = path.join(dir, name, 'migration.sql');
    const checksum = existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : undefined;
    return applied.get(name) !== checksum;
  });
}

/** Rows the seed leaves behind, per table it fills. */
export interface SeedCounts {
  users: number;
  products: number;
  reviews: number;
}

const SEED_STAMP = 'seed';

/** Every file below `dir` (relative to the repository root), sorted, skipping node_modules and tests. */
function filesBelow(dir: string): string[] {
  const absolute = path.join(ROOT, dir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)))
    .filter((file) => !/(^|[/\\])(node_modules|test)([/\\]|$)/.test(file))
    .sort();
}

/**
 * What the seed's outcome depends on: the catalog data and importer (`packages/seed-data`, the
 * data directory `SEED_DATA_DIR` names, else the vendored catalog inside it),
 * the four subgraphs' seed code, and the databases it writes to.
 */
export function seedInputsHash(urls: Pick<Record<SubgraphName, string>, 'user' | 'product' | 'review'> & { order?: string }): string {
  const dataDir = path.resolve(ROOT, process.env.SEED_DATA_DIR || 'packages/seed-data/data/dummyjson');
  const dataFiles = ['products.json', 'users.json'].map((name) => path.join(dataDir, name));
  const inputs: StampInput[] = [
    { value: `SEED_DATA_DIR=${process.env.SEED_DATA_DIR ?? ''}` },
    { value: `${urls.user} ${urls.product} ${urls.review} ${urls.order ?? ''}` },
    ...filesBelow('packages/seed-data').map((file) => ({ file })),
    ...['scripts/seed.ts', ...(['user', 'product', 'review', 'order'] as const).map((s) => `subgraphs/${s}/src/seed.ts`)].map((file) => ({
      file,
    })),
    // Possibly outside the repository: hashed by content under a stable name.
    ...dataFiles.map((file) => ({ value: existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : 'absent' })),
  ];
  return hashInputs(inputs);
}

/** How many users, products and reviews the databases hold now. */
export async function countSeededRows(urls: Pick<Record<SubgraphName, string>, 'user' | 'product' | 'review'>): Promise<SeedCounts> {
  const count = (url: string, table: string) =>
    withClient(url, async (client) => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`)).rows[0]?.n ?? 0));
  const [users, products, reviews] = await Promise.all([
    count(urls.user, 'User'),
    count(urls.product, 'Product'),
    count(urls.review, 'Review'),
  ]);
  return { users, products, reviews };
}

/**
 * Whether the seed can be skipped: it last succeeded with the same inputs ({@link seedInputsHash}),
 * and the databases still hold at least the rows they held then (users register, admins add
 * products, nothing in the API deletes them; a truncated or recreated database fails the check).
 */
export async function isSeeded(
  hash: string,
  urls: Pick<Record<SubgraphName, string>, 'user' | 'product' | 'review'>,
  stampName = SEED_STAMP,
): Promise<boolean> {
  const stamp = readStamp(stampName);
  if (stamp === undefined) return false;
  const [stampHash, recorded] = stamp.split('|');
  if (stampHash !== hash || recorded === undefined) return false;
  const then = JSON.parse(recorded) as SeedCounts;
  try {
    const now = await countSeededRows(urls);
    return now.users >= then.users && now.products >= then.products && now.reviews >= then.reviews;
  } catch (error) {
    if (pgCode(error) === INVALID_CATALOG_NAME || pgCode(error) === UNDEFINED_TABLE) return false;
    throw error;
  }
}

/** Records a successful seed with the row counts it left, for {@link isSeeded} (`stampName`: the same as there). */
export async function markSeeded(
  hash: string,
  urls: Pick<Record<SubgraphName, string>, 'user' | 'product' | 'review'>,
  stampName = SEED_STAMP,
): Promise<void> {
  writeStamp(stampName, `${hash}|${JSON.stringify(await countSeededRows(urls))}`);
}
