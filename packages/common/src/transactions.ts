/**
 * Defaults of every subgraph's interactive transactions (Prisma `transactionOptions`), in ms.
 * Under a burst (hundreds of checkouts at once) requests queue for a pooled connection longer
 * than Prisma's 2 s default `maxWait`, which fails them with "Unable to start a transaction in
 * the given time"; waiting beats failing. `timeout` bounds how long one may then hold it.
 */
export const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 20_000 } as const;

/**
 * SQL for the current time as Prisma stores a `DateTime` on PostgreSQL (`timestamp(3)` without a
 * time zone, in UTC), for raw statements that write such columns; wrap it in the subgraph's
 * `Prisma.raw`.
 */
export const SQL_NOW_UTC = "(now() AT TIME ZONE 'UTC')";
