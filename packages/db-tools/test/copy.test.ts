import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createRowCopier, databaseUrls, dropDatabase, ensureDatabase, withDatabase } from '../src';

const url = withDatabase(databaseUrls().user, `db_tools_copy_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
let client: pg.Client;

beforeAll(async () => {
  await ensureDatabase(url);
  client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE TABLE "Thing" (
    id int PRIMARY KEY, name text NOT NULL, tags text[] NOT NULL, note text, active boolean NOT NULL,
    "createdAt" timestamp(3) NOT NULL, score double precision, kind text NOT NULL DEFAULT 'plain')`);
});
afterAll(async () => {
  await client?.end();
  await dropDatabase(url);
});

test('COPY writes every value exactly (escapes, arrays, nulls, dates), defaults the columns left out, skips existing keys', async () => {
  const hostile = 'tab\there, new\nline, cr\r, back\\slash, "quotes", {braces}, comma, NULL, \\N, ünïcødé 🛒';
  const rows = [
    {
      id: 1,
      name: hostile,
      tags: [hostile, '', 'NULL', 'a,b'],
      note: null,
      active: true,
      createdAt: new Date('2025-04-30T09:41:02.053Z'),
      score: 4.25,
    },
    { id: 2, name: 'plain', tags: [], note: '\\N', active: false, createdAt: new Date('2024-01-01T00:00:00.000Z'), score: null },
  ];
  const copier = createRowCopier(url);
  try {
    await expect(copier.insert('Thing', rows)).resolves.toBe(2);
    // Again, plus one new row: only the new one is inserted.
    await expect(copier.insert('Thing', [...rows, { ...rows[1]!, id: 3 }])).resolves.toBe(1);
    await expect(copier.insert('Thing', [])).resolves.toBe(0);
    // A bad batch is all-or-nothing and leaves the copier usable.
    await expect(
      copier.insert('Thing', [
        { ...rows[1]!, id: 4 },
        { ...rows[1]!, id: 5, name: null },
      ]),
    ).rejects.toThrow(/null value/);
    await expect(copier.insert('Thing', [{ ...rows[1]!, id: 6 }])).resolves.toBe(1);
  } finally {
    await copier.close();
  }
  const { rows: stored } = await client.query('SELECT * FROM "Thing" ORDER BY id');
  expect(stored.map((r: { id: number }) => r.id)).toEqual([1, 2, 3, 6]);
  expect(stored[0]).toEqual({ ...rows[0], kind: 'plain', createdAt: expect.any(Date) });
  expect(stored[1]).toEqual({ ...rows[1], kind: 'plain', createdAt: expect.any(Date) });
  // timestamp without time zone comes back in local time; compare the text PostgreSQL stored.
  const { rows: dates } = await client.query(`SELECT to_char("createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS d FROM "Thing" WHERE id = 1`);
  expect(dates[0].d).toBe('2025-04-30T09:41:02.053');
});
