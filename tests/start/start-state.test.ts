/**
 * What `npm start` decides to skip: migrations that `_prisma_migrations` records with the same
 * checksum, a seed whose inputs and rows are unchanged, generation steps whose inputs and outputs
 * are unchanged. Real PostgreSQL, on clones of the run's migrated and seeded templates.
 */
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { cloneDatabase, dropDatabase } from '@commerce/db-tools';
import { isSeeded, markSeeded, pendingMigrations, seedInputsHash } from '../../scripts/lib/database-state';
import { supergraphStep } from '../../scripts/lib/generation';
import { STAMP_DIR, hashInputs } from '../../scripts/lib/stamps';
import { templateUrls, urlOf } from '../support/databases';

const runId = process.env.TEST_RUN_ID!;
const id = randomBytes(4).toString('hex');
const urls = {
  user: urlOf(`test_${runId}_start_${id}_user`),
  product: urlOf(`test_${runId}_start_${id}_product`),
  review: urlOf(`test_${runId}_start_${id}_review`),
};
const STAMP = `test-seed-${id}`;

async function sql(url: string, statement: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  const templates = templateUrls(runId);
  await Promise.all([
    cloneDatabase(templates.user, urls.user),
    cloneDatabase(templates.product, urls.product),
    cloneDatabase(templates.review, urls.review),
  ]);
});
afterAll(async () => {
  await Promise.all(Object.values(urls).map((url) => dropDatabase(url)));
  rmSync(path.join(STAMP_DIR, `${STAMP}.json`), { force: true });
});

const committed = (subgraph: string) =>
  readdirSync(path.join(__dirname, '../../prisma', subgraph, 'migrations'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

test('a migrated database has nothing pending; a missing one has every migration pending', async () => {
  expect(await pendingMigrations('user', urls.user)).toEqual([]);
  expect(await pendingMigrations('user', urlOf(`test_${runId}_start_${id}_absent`))).toEqual(committed('user'));
});

test('a migration recorded with another checksum (edited after it was applied) counts as pending', async () => {
  const [first] = committed('product');
  await sql(urls.product, `UPDATE _prisma_migrations SET checksum = 'edited' WHERE migration_name = '${first}'`);
  expect(await pendingMigrations('product', urls.product)).toEqual([first]);
});

test('the seed is skipped only with the same inputs and at least the rows it left', async () => {
  const hash = seedInputsHash(urls);
  expect(await isSeeded(hash, urls, STAMP)).toBe(false); // never recorded
  await markSeeded(hash, urls, STAMP);
  expect(await isSeeded(hash, urls, STAMP)).toBe(true);
  expect(await isSeeded(seedInputsHash({ ...urls, user: urlOf('elsewhere') }), urls, STAMP)).toBe(false);
  await sql(urls.review, 'DELETE FROM "Review" WHERE id IN (SELECT id FROM "Review" LIMIT 1)');
  expect(await isSeeded(hash, urls, STAMP)).toBe(false);
});

test('the supergraph step depends on the subgraph URLs it routes to', () => {
  const local = supergraphStep({ user: 'http://a/graphql', product: 'http://b', review: 'http://c', cart: 'http://d', order: 'http://e' });
  const moved = supergraphStep({ user: 'http://z/graphql', product: 'http://b', review: 'http://c', cart: 'http://d', order: 'http://e' });
  expect(local.hash).not.toBe(moved.hash);
  expect(local.outputs.every((output) => output.startsWith('gateway/'))).toBe(true);
});

test('input hashes change with a file, and a missing file differs from an empty value', () => {
  const base = hashInputs([{ file: 'codegen.yml' }, { value: 'a' }]);
  expect(hashInputs([{ file: 'codegen.yml' }, { value: 'a' }])).toBe(base);
  expect(hashInputs([{ file: 'codegen.yml' }, { value: 'b' }])).not.toBe(base);
  expect(hashInputs([{ file: 'tests/start/no-such-file' }])).not.toBe(hashInputs([{ value: '' }]));
  // Bytes moved from one input to the next change the hash.
  expect(hashInputs([{ value: 'ab' }, { value: 'c' }])).not.toBe(hashInputs([{ value: 'a' }, { value: 'bc' }]));
});
