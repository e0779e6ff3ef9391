import { BadUserInputError } from './errors';
import { excerpt } from './text';

/**
 * Parses a GraphQL `ID` that stands for an integer key (products, users).
 * @throws BadUserInputError when it is not a positive integer.
 */
export function parseIntId(id: string | number, entity: string): number {
  const n = typeof id === 'number' ? id : /^[1-9]\d{0,9}$/.test(id) ? Number(id) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0 || n > 2_147_483_647)
    throw new BadUserInputError(`Invalid ${entity} id: ${excerpt(String(id))}`, { field: 'id' });
  return n;
}

/** Like parseIntId but returns null for a malformed id (reference resolvers answer null, not an error). */
export function tryParseIntId(id: string | number): number | null {
  try {
    return parseIntId(id, 'entity');
  } catch {
    return null;
  }
}

/** Relay-style opaque cursor of an offset-free key (base64url of JSON). */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * @throws BadUserInputError when the cursor was not produced by encodeCursor.
 */
export function decodeCursor<T>(cursor: string, isValid: (v: unknown) => v is T): T {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (isValid(value)) return value;
  } catch {
    // fall through
  }
  throw new BadUserInputError('Invalid cursor', { field: 'after' });
}

/** Validates a page size: 1..100 (default 20). @throws BadUserInputError otherwise. */
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
