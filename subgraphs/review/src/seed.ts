import { reviewsToImport, type BulkInsert, type Catalog } from '@commerce/seed-data';
import type { ReviewDb } from './db';

/**
 * Imports the reviews embedded in the catalog's products, one per reviewer and product
 * ({@link reviewsToImport}: where the source has two by one reviewer, the latest stands), and the
 * rating aggregate of each product they belong to. The author is the catalog user with the
 * reviewer's email (read from `catalog.users`, never from the user subgraph's database); ids are
 * `dummyjson-<productId>-<index>`, so rows that exist already are skipped and a second run changes
 * nothing.
 * @param options.bulkInsert - writes the reviews instead of `createMany` (large synthetic catalogs)
 * @returns how many reviews were inserted.
 * @throws Error naming the product and the email when a reviewer's email is no catalog user's.
 */
export async function seedReviews(
  db: ReviewDb,
  catalog: Pick<Catalog, 'products' | 'users'>,
  options: { bulkInsert?: BulkInsert } = {},
): Promise<{ reviews: number }> {
  // The user subgraph stores emails lower-cased, so match the same way.
  const userIds = new Map(catalog.users.map((u) => [u.email.toLowerCase(), u.id]));
  const data = catalog.products.flatMap((product) =>
    reviewsToImport(product).map(({ review, index }) => {
      const authorId = userIds.get(review.reviewerEmail.toLowerCase());
      if (authorId === undefined) {
        throw new Error(`Review ${index} of product ${product.id}: reviewer ${review.reviewerEmail} is not a user of the catalog`);
      }
      const createdAt = new Date(review.date);
      return {
        id: `dummyjson-${product.id}-${index}`,
        productId: product.id,
        authorId,
        rating: review.rating,
        body: review.comment,
        verifiedPurchase: false,
        createdAt,
        updatedAt: createdAt,
      };
    }),
  );
  const count = options.bulkInsert
    ? await options.bulkInsert('Review', data)
    : (await db.review.createMany({ data, skipDuplicates: true })).count;
  if (count > 0) {
    // Of this catalog's products only (a large catalog is seeded in chunks), those without aggregates
    // yet (a product's first import); later changes keep them incrementally.
    const productIds = catalog.products.map((p) => p.id);
    await db.$executeRaw`
      INSERT INTO "ProductRating" ("productId", "reviewCount", "ratingSum", "stars1", "stars2", "stars3", "stars4", "stars5", "version", "updatedAt")
      SELECT "productId", count(*), sum("rating"),
             count(*) FILTER (WHERE "rating" = 1), count(*) FILTER (WHERE "rating" = 2), count(*) FILTER (WHERE "rating" = 3),
             count(*) FILTER (WHERE "rating" = 4), count(*) FILTER (WHERE "rating" = 5), 0, CURRENT_TIMESTAMP
      FROM "Review" WHERE NOT "hidden" AND "productId" = ANY(${productIds}) GROUP BY "productId"
      ON CONFLICT ("productId") DO NOTHING`;
  }
  return { reviews: count };
}
