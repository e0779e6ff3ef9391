import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A row as Prisma's `createMany` takes it: column name → value (no `@map` renames in our schemas). */
export type Row = Record<string, unknown>;

/** Inserts rows into one table, skipping rows whose key exists already; resolves to how many were inserted. */
export type InsertRows = (table: string, rows: readonly Row[]) => Promise<number>;

/** A bulk writer on one database; `close` ends its connection. */
export interface RowCopier {
  insert: InsertRows;
  close(): Promise<void>;
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** An array element in PostgreSQL's array literal syntax: always quoted, `"` and `\` escaped. */
const arrayElement = (value: unknown): string =>
  value === null || value === undefined ? 'NULL' : `"${String(value).replace(/[\\"]/g, '\\$&')}"`;

/** One field in COPY's text format (PostgreSQL docs, "COPY … File Formats"): `\N` for null, backslash escapes. */
function field(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  let text: string;
  if (value instanceof Date) text = value.toISOString();
  else if (Array.isArray(value)) text = `{${value.map(arrayElement).join(',')}}`;
  else if (typeof value === 'boolean') text = value ? 't' : 'f';
  else if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string') text = String(value);
  else throw new TypeError(`cannot COPY a ${typeof value}`);
  return text.replace(/[\\\n\r\t]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!);
}

function* lines(rows: readonly Row[], columns: readonly string[]): Generator<string> {
  for (const row of rows) yield `${columns.map((c) => field(row[c])).join('\t')}\n`;
}

/**
 * A bulk writer for large seeds: each `insert` streams its rows with `COPY … FROM STDIN` into a
 * temporary copy of the table, then moves them over with `INSERT … ON CONFLICT DO NOTHING`, in one
 * transaction. So it is as idempotent as `createMany({ skipDuplicates: true })` and all-or-nothing,
 * and an order of magnitude faster for 10⁴–10⁶ rows. The columns are the first row's keys;
 * columns left out take their defaults.
 *
 * @param connectionString - postgresql:// URL of the database (the subgraph's own)
 * @throws from `insert`: PostgreSQL's error (constraint, type) for the whole batch, nothing written
 */
export function createRowCopier(connectionString: string): RowCopier {
  const client = new pg.Client({ connectionString });
  const connected = client.connect();
  // One statement at a time on one connection: calls queue here instead of interleaving.
  let queue: Promise<unknown> = connected;
  const insert: InsertRows = (table, rows) => {
    const run = async () => {
      if (rows.length === 0) return 0;
      const columns = Object.keys(rows[0]!);
      const list = columns.map(quoteIdent).join(', ');
      const staging = quoteIdent(`copy_${table}`);
      await client.query('BEGIN');
      try {
        await client.query(`CREATE TEMP TABLE ${staging} (LIKE ${quoteIdent(table)} INCLUDING DEFAULTS) ON COMMIT DROP`);
        await pipeline(Readable.from(lines(rows, columns)), client.query(copyFrom(`COPY ${staging} (${list}) FROM STDIN`)));
        const moved = await client.query(
          `INSERT INTO ${quoteIdent(table)} (${list}) SELECT ${list} FROM ${staging} ON CONFLICT DO NOTHING`,
        );
        await client.query('COMMIT');
        return moved.rowCount ?? 0;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    };
    const result = queue.then(run);
    queue = result.catch(() => undefined);
    return result;
  };
  return {
    insert,
    close: async () => {
      await queue;
      await client.end();
    },
  };
}
