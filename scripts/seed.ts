/**
 * npm run db:seed — imports a catalog into the user, product and review databases. Idempotent: a
 * second run inserts nothing.
 *
 *   npm run db:seed                      the DummyJSON catalog vendored in packages/seed-data/data/dummyjson
 *                                        (SEED_DATA_DIR=<dir> imports another directory in that format)
 *   npm run db:seed -- --synthetic --products 100000 --reviews 1000000 [--users 10000]
 *                                        a deterministic synthetic catalog of that size, for scale benchmarks
 *   npm run db:seed -- --write-password-hashes
 *                                        recomputes packages/seed-data/data/password-hashes.json
 */
import { parseArgs } from 'node:util';
import { createRowCopier, databaseUrls, type RowCopier } from '@commerce/db-tools';
import {
  DEFAULT_DATA_DIR,
  loadCatalog,
  loadPasswordHashes,
  syntheticCatalog,
  writePasswordHashes,
  PASSWORD_HASHES_FILE,
  type SyntheticCatalogOptions,
} from '@commerce/seed-data';
import { createDb as createUserDb, hashPasswords, seedUsers } from '@commerce/user';
import { createDb as createProductDb, layOutSearchTable, seedProducts } from '@commerce/product';
import { createDb as createReviewDb, seedReviews } from '@commerce/review';
import { createDb as createOrderDb, seedCoupons } from '@commerce/order';

type Urls = { user: string; product: string; review: string };

async function withDbs<T>(urls: Urls, work: (dbs: ReturnType<typeof openDbs>) => Promise<T>): Promise<T> {
  const dbs = openDbs(urls);
  try {
    return await work(dbs);
  } finally {
    await Promise.all([dbs.user.$disconnect(), dbs.product.$disconnect(), dbs.review.$disconnect()]);
  }
}

function openDbs(urls: Urls) {
  return {
    user: createUserDb({ connectionString: urls.user }),
    product: createProductDb({ connectionString: urls.product }),
    review: createReviewDb({ connectionString: urls.review }),
  };
}

/**
 * Seeds the user, product and review databases at `urls` from the catalog in `dataDir` (default: `SEED_DATA_DIR`, else
 * the vendored DummyJSON catalog), and the demo coupons into the order database. Demo passwords found
 * in the precomputed hash file are not hashed again.
 * @returns where the catalog came from and how many rows were inserted.
 */
export async function seedAll(urls: Urls & { order: string }, dataDir?: string) {
  const [catalog, precomputed] = await Promise.all([loadCatalog(dataDir ? { dataDir } : {}), loadPasswordHashes()]);
  const orderDb = createOrderDb({ connectionString: urls.order });
  try {
    return await withDbs(urls, async (db) => {
      const [users, products, reviews, coupons] = await Promise.all([
        seedUsers(db.user, catalog, { precomputed }),
        seedProducts(db.product, catalog),
        seedReviews(db.review, catalog),
        seedCoupons(orderDb),
      ]);
      return { source: catalog.source, dataDir: catalog.dataDir, ...users, ...products, ...reviews, ...coupons };
    });
  } finally {
    await orderDb.$disconnect();
  }
}

/**
 * Seeds a synthetic catalog ({@link syntheticCatalog}) chunk by chunk (5 000 products and their
 * reviews): products and reviews are streamed in with COPY, users with one multi-row INSERT, so
 * memory stays flat and 10⁵ products / 10⁶ reviews take about a minute on two cores.
 * Deterministic, and idempotent like {@link seedAll} for the same options.
 * @param onProgress called after each chunk with the products seeded so far
 * @returns the counts inserted
 * @throws Error when the product database already holds a different catalog (e.g. DummyJSON's)
 */
export async function seedSynthetic(urls: Urls, options: SyntheticCatalogOptions, onProgress?: (products: number) => void) {
  const catalog = syntheticCatalog({ chunkSize: 5000, ...options });
  const copiers = { product: createRowCopier(urls.product), review: createRowCopier(urls.review) };
  try {
    return await seedSyntheticChunks(urls, catalog, copiers, onProgress);
  } finally {
    await Promise.all([copiers.product.close(), copiers.review.close()]);
  }
}

async function seedSyntheticChunks(
  urls: Urls,
  catalog: ReturnType<typeof syntheticCatalog>,
  copiers: Record<'product' | 'review', RowCopier>,
  onProgress?: (products: number) => void,
) {
  return withDbs(urls, async (db) => {
    const chunks = catalog.productChunks();
    let next = chunks.next();
    if (next.done) throw new Error('no products to seed');
    const existing = await db.product.product.findUnique({ where: { id: 1 }, select: { sku: true } });
    if (existing && existing.sku !== next.value[0]!.sku) {
      throw new Error(
        `the product database already holds another catalog (product 1 is ${existing.sku}); seed a synthetic catalog into empty databases`,
      );
    }
    const totals = { users: 0, passwordsHashed: 0, categories: 0, products: 0, reviews: 0 };
    const usersSeeded = seedUsers(db.user, catalog);
    let done = 0;
    while (!next.done) {
      const part = { products: next.value, users: catalog.users };
      const [products, reviews] = await Promise.all([
        seedProducts(db.product, part, { bulkInsert: copiers.product.insert, layOut: false }),
        seedReviews(db.review, part, { bulkInsert: copiers.review.insert }),
      ]);
      totals.categories += products.categories;
      totals.products += products.products;
      totals.reviews += reviews.reviews;
      done += part.products.length;
      onProgress?.(done);
      next = chunks.next();
    }
    await layOutSearchTable(db.product);
    Object.assign(totals, await usersSeeded);
    return totals;
  });
}

const INTEGER = /^\d+$/;

function parseCli(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      synthetic: { type: 'boolean', default: false },
      products: { type: 'string' },
      reviews: { type: 'string' },
      users: { type: 'string' },
      'write-password-hashes': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const count = (name: 'products' | 'reviews' | 'users', fallback?: number): number | undefined => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    if (!INTEGER.test(raw)) throw new Error(`--${name} must be a whole number, got ${JSON.stringify(raw)}`);
    return Number(raw);
  };
  if (!values.synthetic && (values.products ?? values.reviews ?? values.users) !== undefined) {
    throw new Error('--products, --reviews and --users need --synthetic');
  }
  return {
    synthetic: values.synthetic
      ? { products: count('products', 10_000)!, reviews: count('reviews', 100_000)!, users: count('users') }
      : undefined,
    writePasswordHashes: values['write-password-hashes'],
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const cli = parseCli(process.argv.slice(2));
  if (cli.writePasswordHashes) {
    const { users } = await loadCatalog({ dataDir: DEFAULT_DATA_DIR });
    await writePasswordHashes(await hashPasswords(users.map((u) => u.password)));
    console.log(`wrote ${users.length} password hashes to ${PASSWORD_HASHES_FILE} in ${seconds()}`);
    return;
  }
  const urls = databaseUrls();
  if (cli.synthetic) {
    const { products } = cli.synthetic;
    const step = Math.max(1, Math.round(products / 10));
    let shown = 0;
    const r = await seedSynthetic(urls, cli.synthetic, (done) => {
      if (done - shown >= step || done === products) {
        shown = done;
        console.log(`  ${done} / ${products} products with their reviews (${seconds()})`);
      }
    });
    console.log(`seeded a synthetic catalog in ${seconds()}: inserted ${JSON.stringify(r)}`);
    return;
  }
  const { source, dataDir, ...inserted } = await seedAll(urls);
  const from = source === 'dummyjson' ? 'the vendored DummyJSON catalog' : `the catalog at ${dataDir} (SEED_DATA_DIR)`;
  console.log(`seeded from ${from} in ${seconds()}: inserted ${JSON.stringify(inserted)}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`db:seed failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
