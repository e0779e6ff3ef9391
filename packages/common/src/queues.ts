import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';

/** BullMQ queue names; the Redis key prefix (REDIS_PREFIX) keeps stacks apart. */
export const QueueName = {
  checkout: 'checkout',
  notifications: 'notifications',
  /** Confirmed purchases for the review subgraph (verified-purchase reviews); fed by the order subgraph. */
  purchases: 'purchases',
  /** Rating aggregates of products, from the review subgraph to the product subgraph's denormalized copy. */
  productRatings: 'product-ratings',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/** Checkout job: drives one PENDING order to CONFIRMED or FAILED. Job id = `checkout:<orderId>`. */
export interface CheckoutJob {
  orderId: string;
}

/** A line of an order as a notification renders it; money in cents. */
export interface NotificationLine {
  productId: number;
  title: string;
  quantity: number;
  lineTotalCents: number;
}

/** What happened to the order; one email template and one webhook event type each. */
export const OrderNotificationKinds = ['ORDER_CONFIRMED', 'ORDER_FAILED', 'ORDER_CANCELLED', 'ORDER_SHIPPED', 'ORDER_DELIVERED'] as const;
export type OrderNotificationKind = (typeof OrderNotificationKinds)[number];

/**
 * Notification job: an email about an order to its owner. Job id = `notify:<orderId>:<status>`,
 * and the user subgraph records each send under the same key, so a re-run sends nothing twice.
 */
export interface OrderNotificationJob {
  kind: OrderNotificationKind;
  orderId: string;
  userId: number;
  status: string;
  failureReason: string | null;
  totalCents: number;
  currencyCode: string;
  lines: NotificationLine[];
}

/**
 * A purchase the review subgraph learns of, so it can mark reviews as verified without reading
 * the order database. `CONFIRMED` adds the products to the user's purchases; `CANCELLED` removes
 * them again. Job id = `purchase-<orderId>-<status>`.
 */
export interface PurchaseJob {
  orderId: string;
  userId: number;
  productIds: number[];
  status: 'CONFIRMED' | 'CANCELLED';
}

export const purchaseJobId = (orderId: string, status: PurchaseJob['status']) => `purchase-${orderId}-${status}`;

/**
 * The review subgraph's aggregate of a product's visible reviews after a change, for the product
 * subgraph's denormalized `averageRating`/`reviewCount` (rating filter and sort). A snapshot, not a
 * delta: the product subgraph applies it only when `version` is newer than the one it holds, so a
 * repeated or late job changes nothing. Job id = `rating-<productId>-<version>`.
 */
export interface ProductRatingJob {
  productId: number;
  reviewCount: number;
  /** Mean rating 1..5, null when the product has no visible reviews. */
  averageRating: number | null;
  /** Grows by one with every change of the product's aggregate. */
  version: number;
}

export const productRatingJobId = (productId: number, version: number) => `rating-${productId}-${version}`;

/** Retries with exponential backoff; completed and failed jobs are kept, but bounded. */
export const defaultJobOptions: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { count: 1000, age: 24 * 3600 },
  removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
};

export const checkoutJobId = (orderId: string) => `checkout-${orderId}`;
export const notificationJobId = (orderId: string, status: string) => `notify-${orderId}-${status}`;

/** Opens a queue with the shared defaults. */
export function createQueue<T>(name: QueueName, connection: ConnectionOptions, prefix: string): Queue<T> {
  return new Queue<T>(name, { connection, prefix: `${prefix}:bull`, defaultJobOptions });
}

/** The BullMQ prefix for a REDIS_PREFIX; workers must use the same one as the queues. */
export const bullPrefix = (prefix: string) => `${prefix}:bull`;
