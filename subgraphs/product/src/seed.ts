import { lineTotal } from '@commerce/common';
import {
  DEPARTMENTS,
  categoryNameFromSlug,
  dollarsToCents,
  percentToBasisPoints,
  reviewsToImport,
  type BulkInsert,
  type Catalog,
  type DummyProduct,
} from '@commerce/seed-data';
import type { ProductDb } from './db';
import { addSearchWords } from './services/search-vocabulary';

/** A DummyJSON product's shipping columns: kg and cm as given, texts as given (null when absent). */
function shippingData(p: DummyProduct) {
  return {
    weightKg: p.weight,
    widthCm: p.dimensions.width,
    heightCm: p.dimensions.height,
    depthCm: p.dimensions.depth,
    shippingInformation: p.shippingInformation ?? null,
    returnPolicy: p.returnPolicy ?? null,
    warrantyInformation: p.warrantyInformation ?? null,
  };
}

/**
 * Imports the category tree (departments of {@link DEPARTMENTS} with the catalog's categories
 * below them) and the products, keeping DummyJSON's product ids. Inserts only what is missing: a
 * second run changes nothing, and stock already sold is never reset. The denormalized rating of a
 * product that was never synced (ratingVersion 0) is set from the same reviews the review seed
 * imports (one per reviewer, {@link reviewsToImport}), so both subgraphs start in agreement. Weight,
 * dimensions and the shipping, return and warranty texts are imported too, and filled in once on rows
 * seeded before the catalog carried them. The titles' and brands' words go into the search vocabulary,
 * and the search's table is laid out in category order ({@link layOutSearchTable}).
 * @param options.bulkInsert - writes the products instead of `createMany` (large synthetic catalogs)
 * @param options.layOut - false: leave the layout to the caller (a catalog seeded in chunks lays
 *   it out once, after the last); default true
 * @returns how many rows were inserted.
 */
export async function seedProducts(
  db: ProductDb,
  catalog: Pick<Catalog, 'products'>,
  options: { bulkInsert?: BulkInsert; layOut?: boolean } = {},
): Promise<{ categories: number; products: number }> {
  const slugs = [...new Set(catalog.products.map((p) => p.category))].sort();
  const departments = DEPARTMENTS.filter((d) => d.children.some((c) => slugs.includes(c)));
  const top = await db.category.createMany({
    data: departments.map((d) => ({ slug: d.slug, name: d.name })),
    skipDuplicates: true,
  });
  const parentIds = new Map(
    (await db.category.findMany({ where: { slug: { in: departments.map((d) => d.slug) } } })).map((c) => [c.slug, c.id]),
  );
  const parentOf = new Map(departments.flatMap((d) => d.children.map((c) => [c, parentIds.get(d.slug)!] as const)));
  const leaves = await db.category.createMany({
    data: slugs.map((slug) => ({ slug, name: categoryNameFromSlug(slug), parentId: parentOf.get(slug) ?? null })),
    skipDuplicates: true,
  });
  // Categories imported before the tree existed get their department once.
  for (const d of departments) {
    await db.category.updateMany({ where: { slug: { in: [...d.children] }, parentId: null }, data: { parentId: parentIds.get(d.slug)! } });
  }
  const categoryIds = new Map((await db.category.findMany()).map((c) => [c.slug, c.id]));
  const ratings = new Map(
    catalog.products.map((p) => {
      const reviews = reviewsToImport(p);
      const sum = reviews.reduce((s, r) => s + r.review.rating, 0);
      return [p.id, { reviewCount: reviews.length, averageRating: reviews.length === 0 ? null : sum / reviews.length }];
    }),
  );
  const rows = catalog.products.map((p) => {
    const priceCents = dollarsToCents(p.price);
    const createdAt = p.meta?.createdAt ? new Date(p.meta.createdAt) : new Date();
    const discountBasisPoints = percentToBasisPoints(p.discountPercentage);
    return {
      id: p.id,
      sku: p.sku,
      title: p.title,
      description: p.description,
      brand: p.brand ?? null,
      categoryId: categoryIds.get(p.category)!,
      priceCents,
      discountBasisPoints,
      salePriceCents: lineTotal(priceCents, 1, discountBasisPoints),
      stock: p.stock,
      tags: p.tags,
      images: p.images,
      thumbnail: p.thumbnail ?? null,
      ...shippingData(p),
      ...ratings.get(p.id)!,
      // Both set, so that a bulk insert (which knows no @updatedAt) writes the same row.
      createdAt,
      updatedAt: createdAt,
    };
  });
  const products = options.bulkInsert
    ? { count: await options.bulkInsert('Product', rows) }
    : await db.product.createMany({ data: rows, skipDuplicates: true });
  // Rows from before ratings were denormalized: fill them once; later the rating-sync job owns them.
  const unsynced = await db.product.findMany({
    // Only this catalog's products: a large catalog is seeded in chunks, and earlier chunks are done.
    where: { id: { in: catalog.products.map((p) => p.id) }, ratingVersion: 0, reviewCount: 0 },
    select: { id: true },
  });
  for (const { id } of unsynced) {
    const rating = ratings.get(id);
    if (rating && rating.reviewCount > 0) await db.product.update({ where: { id }, data: rating });
  }
  // Rows from before products carried shipping data (all measures 0, no texts): fill them once.
  const unshipped = await db.product.findMany({
    where: { weightKg: 0, widthCm: 0, heightCm: 0, depthCm: 0, shippingInformation: null, returnPolicy: null, warrantyInformation: null },
    select: { id: true },
  });
  const byId = new Map(catalog.products.map((p) => [p.id, p]));
  for (const { id } of unshipped) {
    const source = byId.get(id);
    if (source) await db.product.update({ where: { id }, data: shippingData(source) });
  }
  await addSearchWords(
    db,
    catalog.products.map((p) => p.id),
  );
  // Explicit ids leave the sequence behind; new products must not collide with imported ones.
  await db.$executeRawUnsafe(`SELECT setval(pg_get_serial_sequence('"Product"', 'id'), GREATEST((SELECT MAX(id) FROM "Product"), 1))`);
  if (options.layOut !== false) await layOutSearchTable(db);
  return { categories: top.count + leaves.count, products: products.count };
}

/**
 * Rewrites the search's table (ProductSearch, filled by triggers in the order products were
 * written) in category order, its clustering index, and refreshes its statistics: a word's matches
 * cluster by category, so a search then reads a few pages of the table instead of nearly all of them
 * (297 of 2 818 for "phone" at 100 000 products). Holds an exclusive lock on the table meanwhile
 * (about a second at 100 000 products), so searches and product writes wait: for bulk loads, not for
 * a serving catalog's routine.
 */
export async function layOutSearchTable(db: ProductDb): Promise<void> {
  await db.$executeRawUnsafe('CLUSTER "ProductSearch"');
  await db.$executeRawUnsafe('ANALYZE "ProductSearch"');
}
