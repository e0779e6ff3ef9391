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
