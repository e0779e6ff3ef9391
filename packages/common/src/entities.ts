/**
 * An entity another subgraph owns, known here only by its key. Returned from a field, it lets the
 * gateway fetch the rest from the owner through `_entities`.
 */
export interface EntityRef {
  __typename?: string;
  id: string;
}

/** A reference to entity `typename` with integer or string key `id`. */
export const entityRef = <T extends string>(typename: T, id: number | string): { __typename: T; id: string } => ({
  __typename: typename,
  id: String(id),
});

/**
 * Orders `rows` like `keys`, as a DataLoader batch function must answer: the row with each key,
 * or null where none was found.
 */
export function alignByKey<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): (R | null)[] {
  const byKey = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => byKey.get(key) ?? null);
}
