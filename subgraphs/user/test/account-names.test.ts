import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import {
  applyMigrations,
  databaseUrls,
  diffMigration,
  dropDatabase,
  ensureDatabase,
  migrationsDirOf,
  withDatabase,
} from '@commerce/db-tools';
import { emailSchema, loginKey, usernameSchema } from '../src/services/account-names';

const refusal = (value: string) => {
  const result = usernameSchema.safeParse(value);
  return result.success ? null : result.error.issues[0]!.message;
};

describe('usernames', () => {
  test.each([
    ['emilys', 'emilys', 'emilys'],
    ['eMIlYs', 'eMIlYs', 'emilys'],
    ['  emilys  ', 'emilys', 'emilys'],
    // Fullwidth letters are their ASCII selves under NFKC, and stored so.
    ['ｅｍｉｌｙｓ', 'emilys', 'emilys'],
    ['ＥＭＩＬＹＳ', 'EMILYS', 'emilys'],
    // Full case folding, beyond toLowerCase: ß is ss, ligatures split, and every form of sigma
    // gets one key (the final form at a word's end).
    ['Straße', 'Straße', 'strasse'],
    ['STRASSE', 'STRASSE', 'strasse'],
    ['ΟΔΥΣΣΕΥΣ', 'ΟΔΥΣΣΕΥΣ', 'οδυσσευς'],
    ['οδυσσευσ', 'οδυσσευσ', 'οδυσσευς'],
    ['οδυςσευς', 'οδυςσευς', 'οδυσσευς'],
    ['ﬁsh_1', 'fish_1', 'fish_1'],
    // Dotless ı is merged with i (a look-alike folding alone would keep apart).
    ['emılys', 'emılys', 'emilys'],
    // A decomposed accent is composed by NFKC, so it equals the precomposed one.
    ['Jose\u0301', 'José', 'josé'],
    ['Дмитрий', 'Дмитрий', 'дмитрий'],
    ['山田たろう', '山田たろう', '山田たろう'],
    ['김민준', '김민준', '김민준'],
    ['user.name-1_2', 'user.name-1_2', 'user.name-1_2'],
  ])('%j is stored as %j with key %j', (input, username, usernameKey) => {
    expect(usernameSchema.parse(input)).toEqual({ username, usernameKey });
  });

  test.each([
    ['a Cyrillic е among Latin letters', 'еmilys', 'letters of one script only'],
    ['a Greek ο among Latin letters', 'emοlys', 'letters of one script only'],
    ['Arabic-Indic digits with Latin', 'user١٢', 'letters of one script only'],
    ['a zero-width joiner', 'emi\u200dlys', 'no invisible characters (zero-width, bidi controls, variation selectors)'],
    ['a zero-width space', 'emilys\u200b', 'no invisible characters (zero-width, bidi controls, variation selectors)'],
    ['a soft hyphen', 'emi\u00adlys', 'no invisible characters (zero-width, bidi controls, variation selectors)'],
    ['a right-to-left override', '\u202eemilys', 'no invisible characters (zero-width, bidi controls, variation selectors)'],
    ['a variation selector', 'emilys\ufe0f', 'no invisible characters (zero-width, bidi controls, variation selectors)'],
    ['a combining dot on a dotless i', 'emı\u0307lys', 'no combining marks that are not part of a letter'],
    ['a space', 'emily s', 'letters, digits, _ . - only'],
    ['an @', 'emily@s', 'letters, digits, _ . - only'],
    ['an emoji', 'emily😀', 'letters, digits, _ . - only'],
    ['a NUL', 'emi\u0000lys', 'letters, digits, _ . - only'],
  ])('refused: %s', (_name, input, message) => {
    expect(refusal(input)).toBe(message);
  });

  test('3..32 characters, counted after NFKC', () => {
    expect(refusal('ab')).toMatch(/>=3/);
    expect(refusal('a'.repeat(33))).toMatch(/<=32/);
    expect(usernameSchema.parse('a'.repeat(32)).username).toHaveLength(32);
    // One character that NFKC expands to 18 is too long once expanded.
    expect(refusal('\ufdfa\ufdfa')).toMatch(/<=32/);
  });
});

describe('emails', () => {
  test.each([
    ['Emily.Johnson@X.DummyJSON.com', 'emily.johnson@x.dummyjson.com'],
    ['  emily@x.com ', 'emily@x.com'],
    ['ｅｍｉｌｙ＠ｘ．ｃｏｍ', 'emily@x.com'],
  ])('%j is stored as %j', (input, email) => {
    expect(emailSchema.parse(input)).toBe(email);
  });

  test.each(['emily\u200d@x.com', 'emily', 'émile@x.com'])('refused: %j', (input) => {
    expect(emailSchema.safeParse(input).success).toBe(false);
  });
});

test('a login name is looked up by the same key', () => {
  expect(loginKey(' EMILYS ')).toEqual({ usernameKey: 'emilys' });
  expect(loginKey('ｅｍｉｌｙｓ')).toEqual({ usernameKey: 'emilys' });
  expect(loginKey('Emily.Johnson@X.DummyJSON.com')).toEqual({ email: 'emily.johnson@x.dummyjson.com' });
});

describe('the account_name_keys migration', () => {
  const [migration] = readdirSync(migrationsDirOf('user')).filter((m) => m.endsWith('_account_name_keys'));
  const url = withDatabase(databaseUrls().user, `account_names_test_${process.pid}_${randomBytes(4).toString('hex')}`);
  let dir: string;

  async function sql<Row = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<Row[]> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as Row[];
    } finally {
      await client.end();
    }
  }
  const insert = (id: number, username: string, email: string) =>
    sql(
      `INSERT INTO "User" ("id", "username", "email", "firstName", "lastName", "passwordHash", "updatedAt") VALUES ($1, $2, $3, 'F', 'L', 'x', now())`,
      [id, username, email],
    );

  beforeEach(async () => {
    // The migrations up to the one before this, applied to a fresh database.
    dir = mkdtempSync(path.join(os.tmpdir(), 'user-migrations-'));
    cpSync(migrationsDirOf('user'), dir, { recursive: true });
    rmSync(path.join(dir, migration!), { recursive: true });
    await dropDatabase(url);
    await ensureDatabase(url);
    await applyMigrations('user', url, { migrationsDir: dir });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  afterAll(() => dropDatabase(url));

  const migrate = () => {
    cpSync(path.join(migrationsDirOf('user'), migration!), path.join(dir, migration!), { recursive: true });
    return applyMigrations('user', url, { migrationsDir: dir });
  };

  test('fails on existing collisions, names the colliding rows, and changes nothing', async () => {
    await insert(1, 'emilys', 'emily@x.com');
    await insert(2, 'EmilyS', 'other@x.com');
    await insert(3, 'michaelw', 'Michael@X.com');
    await insert(4, 'sophiab', 'michael@x.com');
    const failure = migrate();
    await expect(failure).rejects.toThrow(/username emilys: #1 'emilys', #2 'EmilyS'/);
    await expect(failure).rejects.toThrow(/email michael@x\.com: #3 'Michael@X\.com', #4 'michael@x\.com'/);
    const columns = await sql<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'User'`);
    expect(columns.map((c) => c.column_name)).not.toContain('usernameKey');
  });

  test('without collisions, fills the keys; then the index refuses a case variant and the CHECK an unfolded email', async () => {
    await insert(1, 'emilys', 'Emily@X.com');
    await insert(2, 'MichaelW', 'michael@x.com');
    expect(await migrate()).toEqual([migration]);
    expect(await sql(`SELECT "id", "username", "usernameKey", "email" FROM "User" ORDER BY "id"`)).toEqual([
      { id: 1, username: 'emilys', usernameKey: 'emilys', email: 'emily@x.com' },
      { id: 2, username: 'MichaelW', usernameKey: 'michaelw', email: 'michael@x.com' },
    ]);
    const add = (id: number, username: string, key: string, email: string) =>
      sql(
        `INSERT INTO "User" ("id", "username", "usernameKey", "email", "firstName", "lastName", "passwordHash", "updatedAt")
         VALUES ($1, $2, $3, $4, 'F', 'L', 'x', now())`,
        [id, username, key, email],
      );
    await expect(add(3, 'eMIlYs', 'emilys', 'new@x.com')).rejects.toThrow(/User_usernameKey_key/);
    await expect(add(4, 'newuser', 'newuser', 'New@x.com')).rejects.toThrow(/User_email_folded/);
    // And the migration agrees with schema.prisma: a diff finds nothing more to write.
    expect(await diffMigration('user', 'noop', { migrationsDir: dir, url })).toBeNull();
  });

  test('stops on a non-ASCII name, whose SQL key could differ from the application’s', async () => {
    await insert(1, 'Straße', 'strasse@x.com');
    await expect(migrate()).rejects.toThrow(/non-ASCII.*#1 'Straße'/);
  });
});
