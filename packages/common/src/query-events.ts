/** The `log` option of a Prisma client that emits query events, or none. */
export type QueryEventLog = [{ emit: 'event'; level: 'query' }] | undefined;

/**
 * Builds a Prisma client with `create`, and when `onQuery` is given, has it emit every statement's
 * SQL to `onQuery` (tests count statements to prove batching). Query events cost a little on every
 * statement, so only clients that ask for them emit them.
 */
export function withQueryEvents<C extends object>(onQuery: ((sql: string) => void) | undefined, create: (log: QueryEventLog) => C): C {
  if (!onQuery) return create(undefined);
  const client = create([{ emit: 'event', level: 'query' }]);
  // Prisma types $on by the client's generic log options; the event shape is the same for every client.
  (client as unknown as { $on(event: 'query', listener: (e: { query: string }) => void): void }).$on('query', (e) => onQuery(e.query));
  return client;
}

/** What every subgraph's `createDb` takes. */
export interface CreateDbOptions {
  connectionString: string;
  /** Pool size (default 10). */
  maxConnections?: number;
  /** Called with the SQL of every statement the client sends (tests count statements to prove batching). */
  onQuery?: (sql: string) => void;
}
