import { z } from 'zod';
import { BadUserInputError } from './errors';

/**
 * Relay cursor connections: the one cursor codec every subgraph uses, page sizes and PageInfo.
 *
 * A cursor is opaque to clients (base64url of the JSON of a keyset position) but not trusted: a
 * client can send any string. Each connection decodes with a zod schema of its position, so a
 * forged cursor is refused as BAD_USER_INPUT before any part of it reaches SQL, never as a
 * database error (an uncastable date, a NUL byte, an id past the column's range).
 */

/** Longest cursor string decoded (characters); the codec's own cursors stay far below it. */
export const MAX_CURSOR_LENGTH = 2048;

/** Encodes and decodes one connection's cursors. */
export interface CursorCodec<T> {
  /** `position` as an opaque cursor string. */
  encode(position: T): string;
  /**
   * The position in `cursor`.
   * @throws BadUserInputError ("Invalid cursor", `extensions.field`) for anything this codec did
   *   not write: not base64url JSON, longer than {@link MAX_CURSOR_LENGTH}, or failing the schema.
   */
  decode(cursor: string): T;
}

/**
 * A cursor codec for positions of `schema`'s shape. `field` names the argument in errors.
 * Keep schemas to JSON values (strings, numbers): what is encoded is what is decoded.
 */
export function cursorCodec<T>(schema: z.ZodType<T>, field = 'after'): CursorCodec<T> {
  const invalid = () => new BadUserInputError('Invalid cursor', { field });
  return {
    encode: (position) => Buffer.from(JSON.stringify(position)).toString('base64url'),
    decode(cursor) {
      if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
      let value: unknown;
      try {
        value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        throw invalid();
      }
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw invalid();
      return parsed.data;
    },
  };
}

// Lone UTF-16 surrogates (a JSON "\ud800" escape) cannot be encoded as UTF-8, and PostgreSQL text
// cannot hold NUL: either would fail in the driver or the server.
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The largest value of PostgreSQL `integer` (int4). */
export const PG_INT_MAX = 2_147_483_647;
/** The largest value of PostgreSQL `bigint` (int8). */
export const PG_BIGINT_MAX = 9_223_372_036_854_775_807n;

/**
 * Building blocks of cursor schemas, each admitting only values its column can compare with, so
 * a decoded position always binds to a valid SQL parameter.
 */
export const cursorKeys = {
  /** A key of a PostgreSQL `integer` column: an integer in `min`..2³¹−1. */
  int: (min = 0) => z.number().int().min(min).max(PG_INT_MAX),
  /** An `integer` primary key: 1..2³¹−1. */
  intId: () => z.number().int().min(1).max(PG_INT_MAX),
  /** A `bigint` primary key as a decimal string (JSON numbers lose precision past 2⁵³): 1..2⁶³−1. */
  bigintId: () =>
    z
      .string()
      .regex(/^[1-9]\d{0,18}$/)
      // zod runs refinements even after the regex failed: BigInt() must only see digits.
      .refine((v) => /^\d{1,19}$/.test(v) && BigInt(v) <= PG_BIGINT_MAX),
  /** A key of a `double precision` column: a finite number in `min`..`max`. */
  number: (min = -Number.MAX_VALUE, max = Number.MAX_VALUE) => z.number().min(min).max(max),
  /** A UUID primary key (RFC 9562), as Prisma's `uuid()` writes them. */
  uuid: () => z.uuid(),
  /** A text key (primary key or sort column) of at most `max` UTF-16 units, storable in PostgreSQL. */
  text: (max: number) =>
    z
      .string()
      .max(max)
      .refine((v) => !UNSTORABLE.test(v)),
  /**
   * A `timestamp(3)` key as `Date#toISOString` writes it (`YYYY-MM-DDTHH:mm:ss.sssZ`), years 0001..9999:
   * well inside PostgreSQL's range (4713 BC..294276 AD), and a real calendar date (no 02-30).
   */
  timestamp: () =>
    z.iso.datetime({ precision: 3 }).refine((v) => {
      const date = new Date(v);
      return !v.startsWith('0000') && !Number.isNaN(date.getTime()) && date.toISOString() === v;
    }, 'not a real date'),
};

/** Validates a page size: 0..`max`, `fallback` when null or absent. @throws BadUserInputError otherwise. */
export function pageSize(first: number | null | undefined, max = 100, fallback = 20): number {
  if (first == null) return fallback;
  if (!Number.isInteger(first) || first < 0 || first > max)
    throw new BadUserInputError(`first must be between 0 and ${max}`, { field: 'first' });
  return first;
}

/** Relay PageInfo of a page fetched with one row beyond it. */
export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

/**
 * Edges and PageInfo of a Relay connection page from `rows` fetched with `take + 1` rows (the
 * extra row only tells whether a next page exists). `edgeOf` gives each kept row its cursor and node.
 */
export function connectionPage<R, N>(
  rows: readonly R[],
  take: number,
  hasPreviousPage: boolean,
  edgeOf: (row: R) => { cursor: string; node: N },
): { edges: { cursor: string; node: N }[]; pageInfo: PageInfo } {
  const edges = rows.slice(0, take).map(edgeOf);
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > take,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
