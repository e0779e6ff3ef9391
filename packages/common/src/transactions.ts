/**
 * Defaults of every subgraph's interactive transactions (Prisma `transactionOptions`), in ms.
 * Under a burst (hundreds of checkouts at once) requests queue for a pooled connection longer
 * than Prisma's 2 s default `maxWait`, which fails them with "Unable to start a transaction in
 * the given time"; waiting beats failing. `timeout` bounds how long one may then hold it.
 */
export const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 20_000 } as const;

/**
 * What every subgraph's PrismaClient is built with besides its adapter and log: the transaction
 * defaults above, and `errorFormat: 'minimal'`. The default formats ('colorless', 'pretty') capture
 * a stack trace (`new Error()`) on every query to point an error message at the calling line; that
 * was ~2 % of the checkout worker's CPU. Errors keep their codes and messages, without the code frame.
 */
export const PRISMA_CLIENT_OPTIONS = { transactionOptions: TRANSACTION_OPTIONS, errorFormat: 'minimal' } as const;

/**
 * SQL for the current time as Prisma stores a `DateTime` on PostgreSQL (`timestamp(3)` without a
 * time zone, in UTC), for raw statements that write such columns; wrap it in the subgraph's
 * `Prisma.raw`.
 */
export const SQL_NOW_UTC = "(now() AT TIME ZONE 'UTC')";

/**
 * Whether `err` is a unique-constraint violation from any subgraph's Prisma client: Prisma's own
 * P2002 (a model operation), or P2010 from a raw statement whose driver-adapter cause is
 * PostgreSQL's 23505 `unique_violation`. Duck-typed, since each subgraph has its own generated
 * client and error classes.
 */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, meta } = err as { code?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } };
  return code === 'P2002' || (code === 'P2010' && meta?.driverAdapterError?.cause?.originalCode === '23505');
}
