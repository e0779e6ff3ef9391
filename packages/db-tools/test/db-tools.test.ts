import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import {
  applyMigrations,
  checkDatabaseReachable,
  cloneDatabase,
  databaseExists,
  databaseUrls,
  diffMigration,
  dropDatabase,
  ensureDatabase,
  migrationsDirOf,
  withDatabase,
} from '../src';

const INIT = '20261121000000_init';
/** Every migration of the product subgraph, oldest first (the init one and those after it). */
const PRODUCT_MIGRATIONS = readdirSync(migrationsDirOf('product'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();
const server = databaseUrls().product;
const name = `dbtools_test_${process.pid}_${randomBytes(4).toString('hex')}`;
const url = withDatabase(server, name);
const cloneUrl = withDatabase(server, `${name}_clone`);

async function query<Row>(dbUrl: string, sql: string, params: unknown[] = []): Promise<Row[]> {
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as Row[];
  } finally {
    await client.end();
  }
}

const tables = (dbUrl: string) =>
  query<{ table_name: string }>(
    dbUrl,
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
  ).then((rows) => rows.map((row) => row.table_name));

jest.setTimeout(60_000);

beforeAll(() => checkDatabaseReachable(server));

afterAll(async () => {
  await dropDatabase(cloneUrl);
  await dropDatabase(url);
});

test('ensureDatabase creates the database once, also when called concurrently', async () => {
  expect(await databaseExists(url)).toBe(false);
  await Promise.all([ensureDatabase(url), ensureDatabase(url), ensureDatabase(url)]);
  await ensureDatabase(url);
  expect(await databaseExists(url)).toBe(true);
});

test('applyMigrations applies each migration once and records it', async () => {
  expect(PRODUCT_MIGRATIONS[0]).toBe(INIT);
  expect(await applyMigrations('product', url)).toEqual(PRODUCT_MIGRATIONS);
  expect(await applyMigrations('product', url)).toEqual([]);

  const rows = await query<{ migration_name: string; finished: boolean; rolled_back: boolean }>(
    url,
    'SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM _prisma_migrations',
  );
  expect(rows).toEqual(PRODUCT_MIGRATIONS.map((m) => ({ migration_name: m, finished: true, rolled_back: false })));
});

test('the hand-written CHECK constraint rejects negative stock', async () => {
  await query(url, `INSERT INTO "Category" (slug, name) VALUES ('c', 'C')`);
  await query(
    url,
    `INSERT INTO "Product" (sku, title, description, "categoryId", "priceCents", "salePriceCents", stock, "updatedAt")
     SELECT 'sku-1', 'T', 'D', id, 100, 100, 1, now() FROM "Category"`,
  );
  await expect(query(url, `UPDATE "Product" SET stock = stock - 2`)).rejects.toMatchObject({
    code: '23514',
    constraint: 'Product_stock_non_negative',
  });
});

test('cloneDatabase copies the template even while it has open sessions', async () => {
  const busy = new Client({ connectionString: url });
  busy.on('error', () => undefined); // cloneDatabase terminates it
  await busy.connect();
  try {
    await cloneDatabase(url, cloneUrl);
  } finally {
    await busy.end().catch(() => undefined);
  }
  expect(await tables(cloneUrl)).toEqual(await tables(url));
  expect(await tables(cloneUrl)).toContain('Product');
  expect(await query(cloneUrl, 'SELECT sku FROM "Product"')).toEqual([{ sku: 'sku-1' }]);
});

describe('diffMigration', () => {
  let migrationsDir: string;
  beforeEach(() => {
    migrationsDir = mkdtempSync(path.join(os.tmpdir(), 'db-tools-migrations-'));
    cpSync(migrationsDirOf('product'), migrationsDir, { recursive: true });
  });
  afterEach(() => rmSync(migrationsDir, { recursive: true, force: true }));

  test('writes nothing when the migrations match schema.prisma, despite the hand-written CHECKs', async () => {
    expect(await diffMigration('product', 'noop', { migrationsDir, url })).toBeNull();
  });

  test('writes only the missing change', async () => {
    const init = path.join(migrationsDir, INIT, 'migration.sql');
    // A column no later migration refers to, so they still apply to the shadow database.
    writeFileSync(init, readFileSync(init, 'utf8').replace(/^\s*"thumbnail" TEXT,\n/m, ''));

    const file = await diffMigration('product', 'Add thumbnail', { migrationsDir, url });

    expect(file).toMatch(/[/\\]\d{14}_add_thumbnail[/\\]migration\.sql$/);
    const sql = readFileSync(file as string, 'utf8');
    expect(sql).toContain('ALTER TABLE "Product" ADD COLUMN     "thumbnail" TEXT;');
    expect(sql).not.toMatch(/DROP/);
  });
});
