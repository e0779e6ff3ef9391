import type { Catalog } from '@commerce/seed-data';
import type { ReviewDb } from './db';

/**
 * Imports every review embedded in the catalog's products. The author is the catalog user with
 * the reviewer's email (read from `catalog.users`, never from the user subgraph's database); ids
 * are `dummyjson-<productId>-<index>`, so rows that exist already are skipped and a second run
 * changes nothing. A reviewer may review one product more than once (DummyJSON data does).
 * @returns how many reviews were inserted.
 * @throws Error naming the product and the email when a reviewer's email is no catalog user's.
 */
export async function seedReviews(db: ReviewDb, catalog: Pick<Catalog, 'products' | 'users'>): Promise<{ reviews: number }> {
  // The user subgraph stores emails lower-cased, so match the same way.
  const userIds = new Map(catalog.users.map((u) => [u.email.toLowerCase(), u.id]));
  const data = catalog.products.flatMap((product) =>
    product.reviews.map((review, index) => {
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
  const { count } = await db.review.createMany({ data, skipDuplicates: true });
  return { reviews: count };
}
