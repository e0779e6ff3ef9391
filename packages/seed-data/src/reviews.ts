import type { DummyProduct, DummyReview } from './types';

/** A review of the catalog as the supergraph imports it: `index` is its position in `product.reviews`. */
export interface ImportedReview {
  productId: number;
  index: number;
  review: DummyReview;
}

/**
 * The reviews of `product` that are imported: one per reviewer, as the API allows (a second
 * createReview updates the first). Where the source has several by one reviewer (DummyJSON
 * product 1 has two), the latest stands, ties going to the later one in the source. The review
 * and product seeds both use this rule, so the product's denormalized rating matches the reviews.
 */
export function reviewsToImport(product: Pick<DummyProduct, 'id' | 'reviews'>): ImportedReview[] {
  const byReviewer = new Map<string, ImportedReview>();
  product.reviews.forEach((review, index) => {
    const key = review.reviewerEmail.toLowerCase();
    const kept = byReviewer.get(key);
    if (!kept || Date.parse(review.date) >= Date.parse(kept.review.date)) byReviewer.set(key, { productId: product.id, index, review });
  });
  return [...byReviewer.values()].sort((a, b) => a.index - b.index);
}
