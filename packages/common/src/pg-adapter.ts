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
  ) {
    super(config);
  }

  override async connect(): ReturnType<PrismaPg['connect']> {
    const adapter = await super.connect();
    watch(this.database, adapter.underlyingDriver());
    return adapter;
  }
}

/**
 * The driver adapter every subgraph's `createDb` gives its PrismaClient: a pg pool on `config`
 * (connectionString, `max` connections, …) whose use is a metric labelled `database`.
 * @param database the subgraph owning the database (`order`, …): a bounded label.
 */
export function pgAdapter(database: string, config: PoolConfig): PrismaPg {
  return new MeteredPrismaPg(config, database);
}
