/**
 * The subset of the DummyJSON catalog format (https://dummyjson.com) that the importer uses.
 * Loaded files may carry more fields (barcode, minimumOrderQuantity, bank details, ...); validation strips them.
 */

/** One review embedded in a product. */
export interface DummyReview {
  /** Whole stars, 1–5. */
  rating: number;
  comment: string;
  /** ISO-8601 timestamp, e.g. `2025-04-30T09:41:02.053Z`. */
  date: string;
  reviewerName: string;
  /** Always the `email` of a {@link DummyUser} in the same catalog. */
  reviewerEmail: string;
}

/** Package dimensions in cm. */
export interface DummyDimensions {
  width: number;
  height: number;
  depth: number;
}

/** One catalog product. */
export interface DummyProduct {
  id: number;
  title: string;
  description: string;
  /** Lower-case slug such as `womens-dresses`; see `categoryNameFromSlug`. */
  category: string;
  /** Dollars as a float with at most two decimals (9.99); convert with `dollarsToCents`. */
  price: number;
  /** Percent as a float (10.48, sometimes an integer); convert with `percentToBasisPoints`. */
  discountPercentage: number;
  /** Average rating, 0–5, two decimals. */
  rating: number;
  /** Units on hand; 0 means out of stock. */
  stock: number;
  tags: string[];
  /** Absent (not empty) for unbranded products such as groceries. */
  brand?: string;
  /** Unique per product. */
  sku: string;
  images: string[];
  thumbnail: string;
  reviews: DummyReview[];
  /** Shipping weight in kg (whole kg, 1–10, in the DummyJSON data). */
  weight: number;
  /** Package dimensions in cm, two decimals. */
  dimensions: DummyDimensions;
  /** e.g. `Ships in 3-5 business days`, `Ships overnight`, `Ships in 2 weeks`. */
  shippingInformation?: string;
  /** e.g. `30 days return policy` or `No return policy`. */
  returnPolicy?: string;
  /** e.g. `1 year warranty`, `Lifetime warranty`, `No warranty`. */
  warrantyInformation?: string;
  meta: {
    /** ISO-8601 timestamp. */
    createdAt: string;
  };
}

export type DummyRole = 'admin' | 'moderator' | 'user';

/** One catalog user. `password` is plain text: hash it before storing. */
export interface DummyUser {
  id: number;
  firstName: string;
  lastName: string;
  email: string;
  username: string;
  password: string;
  role: DummyRole;
}
