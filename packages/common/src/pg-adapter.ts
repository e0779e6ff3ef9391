import { PrismaPg } from '@prisma/adapter-pg';
import type { Pool, PoolConfig } from 'pg';
import { addGaugeSource, gauge } from './metrics';

const poolConnections = () =>
  gauge(
    'commerce_db_pool_connections',
    "Connections of a subgraph's PostgreSQL pool by state: total (open), idle, waiting (requests queued for one).",
    ['database', 'state'],
  );

let pools = 0;

/** Reports a pg pool in `commerce_db_pool_connections` until it ends. */
function watch(database: string, pool: Pool): void {
  const remove: () => void = addGaugeSource(poolConnections(), `${database}:${(pools += 1)}`, (g): void => {
    if (pool.ended) return remove();
    g.inc({ database, state: 'total' }, pool.totalCount);
    g.inc({ database, state: 'idle' }, pool.idleCount);
    g.inc({ database, state: 'waiting' }, pool.waitingCount);
  });
}

/**
 * Prisma's pg driver adapter whose pool reports its use: each pool the adapter opens (Prisma
 * opens one per connect, and a new one after `$disconnect`) is in `commerce_db_pool_connections`
 * until it ends. Prisma still owns the pool's life.
 */
class MeteredPrismaPg extends PrismaPg {
  constructor(
    config: PoolConfig,
    private readonly database: string,
    prepared: boolean,
  ) {
    // pg runs a query without a name unprepared, which the adapter's `string` type does not say.
    super(config, prepared ? { statementNameGenerator: statementNames() as (query: { sql: string }) => string } : {});
  }

  override async connect(): ReturnType<PrismaPg['connect']> {
    const adapter = await super.connect();
    watch(this.database, adapter.underlyingDriver());
    return adapter;
  }
}

/** Distinct statements a process prepares at most (each once per pooled connection that runs it). */
const MAX_PREPARED_STATEMENTS = 200;
/** Statements seen once that are remembered, to prepare them at their second use. */
const MAX_SEEN_ONCE = 2_000;

/**
 * Names for prepared statements (pg's `name`, which makes each pooled connection parse and plan a
 * statement once and then only bind and execute it), given from a statement's second use on, to
 * at most {@link MAX_PREPARED_STATEMENTS} distinct statements; any other runs unnamed, as before.
 * Without names every statement is parsed and planned again on every execution: ~0.3 ms of the
 * backend's CPU per statement, measured here, most of what PostgreSQL spends on our short
 * statements. PostgreSQL plans a prepared statement per execution for its first five runs, then
 * keeps a generic plan only when it is estimated no costlier (`plan_cache_mode` auto,
 * www.postgresql.org/docs/15/sql-prepare.html). The bounds keep the server's per-connection plan
 * caches small when statements vary (IN lists of varying length).
 */
export function statementNames(): (query: { sql: string }) => string | undefined {
  const names = new Map<string, string>();
  let seenOnce = new Set<string>();
  return ({ sql }) => {
    const name = names.get(sql);
    if (name !== undefined || names.size >= MAX_PREPARED_STATEMENTS) return name;
    if (!seenOnce.has(sql)) {
      if (seenOnce.size >= MAX_SEEN_ONCE) seenOnce = new Set();
      seenOnce.add(sql);
      return undefined; // unnamed: pg parses it for this execution only
    }
    seenOnce.delete(sql);
    const named = `commerce_${names.size}`;
    names.set(sql, named);
    return named;
  };
}

/** Options of {@link pgAdapter}. */
export interface PgAdapterOptions {
  /**
   * Prepare statements used more than once ({@link statementNames}); default true. Off for a
   * database whose statements need a plan per parameter (the catalog's skewed searches), where a
   * generic plan could be far worse.
   */
  preparedStatements?: boolean;
}

/**
 * The driver adapter every subgraph's `createDb` gives its PrismaClient: a pg pool on `config`
 * (connectionString, `max` connections, …) whose use is a metric labelled `database`.
 * @param database the subgraph owning the database (`order`, …): a bounded label.
 */
export function pgAdapter(database: string, config: PoolConfig, options: PgAdapterOptions = {}): PrismaPg {
  return new MeteredPrismaPg(config, database, options.preparedStatements ?? true);
}
