import { PRISMA_CLIENT_OPTIONS, pgAdapter, withQueryEvents, type CreateDbOptions } from '@commerce/common';
import { PrismaClient } from './generated/client';

export { Prisma } from './generated/client';
export type { Product as ProductRecord, Category as CategoryRecord, StockMovement as StockMovementRecord } from './generated/client';
export type ProductDb = PrismaClient;

/**
 * Below this word similarity (pg_trgm, 0..1) a word of the search vocabulary is not like a search
 * word (see services/search-vocabulary.ts): "iphnoe" against "iphone" scores about 0.43, "phone"
 * in "smartphones" 0.5; unrelated words stay under 0.2. Set on every connection, because only the
 * `<%` / `%>` operators (which read it) can use the trigram index.
 */
export const TYPO_SIMILARITY = 0.35;

/** The product subgraph's only way to its database (PostgreSQL through the pg driver adapter). */
export function createDb(options: CreateDbOptions): ProductDb {
  const adapter = pgAdapter(
    'product',
    {
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      options: `-c pg_trgm.word_similarity_threshold=${TYPO_SIMILARITY}`,
    },
    // Search statements are planned per execution: how selective a term or category is decides the plan.
    { preparedStatements: false },
  );
  return withQueryEvents(options.onQuery, (log) => new PrismaClient({ adapter, log, ...PRISMA_CLIENT_OPTIONS }));
}
