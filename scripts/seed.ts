/**
 * npm run db:seed — imports the DummyJSON catalog (SEED_DATA_DIR, default ../shared/data/dummyjson;
 * a generated demo catalog where that folder is absent) into the user, product and review
 * databases. Idempotent: a second run inserts nothing.
 */
import { databaseUrls } from '@commerce/db-tools';
import { loadCatalog } from '@commerce/seed-data';
import { createDb as createUserDb, seedUsers } from '@commerce/user';
import { createDb as createProductDb, seedProducts } from '@commerce/product';
import { createDb as createReviewDb, seedReviews } from '@commerce/review';
import { createDb as createOrderDb, seedCoupons } from '@commerce/order';

/** Seeds the databases at `urls` (the order database with the demo coupons); returns what was inserted. */
export async function seedAll(urls: { user: string; product: string; review: string; order: string }, dataDir?: string) {
  const catalog = await loadCatalog(dataDir ? { dataDir } : {});
  const userDb = createUserDb({ connectionString: urls.user });
  const productDb = createProductDb({ connectionString: urls.product });
  const reviewDb = createReviewDb({ connectionString: urls.review });
  const orderDb = createOrderDb({ connectionString: urls.order });
  try {
    const [users, products, reviews, coupons] = await Promise.all([
      seedUsers(userDb, catalog),
      seedProducts(productDb, catalog),
      seedReviews(reviewDb, catalog),
      seedCoupons(orderDb),
    ]);
    return { source: catalog.source, dataDir: catalog.dataDir, ...users, ...products, ...reviews, ...coupons };
  } finally {
    await Promise.all([userDb.$disconnect(), productDb.$disconnect(), reviewDb.$disconnect(), orderDb.$disconnect()]);
  }
}

if (require.main === module) {
  seedAll(databaseUrls())
    .then((r) => {
      const from = r.source === 'dummyjson' ? `DummyJSON catalog at ${r.dataDir}` : 'generated demo catalog (no SEED_DATA_DIR found)';
      console.log(`seeded from ${from}: inserted ${JSON.stringify({ ...r, source: undefined, dataDir: undefined })}`);
    })
    .catch((err: unknown) => {
      console.error(`db:seed failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
}
