import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';

/** BullMQ queue names; the Redis key prefix (REDIS_PREFIX) keeps stacks apart. */
export const QueueName = {
  checkout: 'checkout',
  notifications: 'notifications',
  /** Confirmed purchases for the review subgraph (verified-purchase reviews); fed by the order subgraph. */
  purchases: 'purchases',
  /** Signed webhook deliveries to merchants' endpoints; fed and worked by the user subgraph (issue-3-notify). */
  webhooks: 'webhooks',
  /** Rating aggregates of products, from the review subgraph to the product subgraph's denormalized copy. */
  productRatings: 'product-ratings',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/**
 * Job of the checkout queue, named `checkout` (drive a PENDING order to CONFIRMED or FAILED) or
 * `compensate` (release what a FAILED or CANCELLED order holds). Job id = its outbox message id.
 */
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
 * Notification job: an email about an order to its owner. Job id = its outbox message id; the
 * user subgraph records each send under `order:<orderId>:<status>`, so a re-run sends nothing twice.
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

/**
 * (issue-3-notify) One webhook delivery: a POST of a recorded event to one endpoint. Job id =
 * {@link webhookDeliveryJobId}, one per (endpoint, order, status), so the event is queued once.
 */
export interface WebhookDeliveryJob {
  deliveryId: string;
}

export const webhookDeliveryJobId = (endpointId: string, orderId: string, status: string) => `webhook-${endpointId}-${orderId}-${status}`;

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

/**
 * Retries with exponential backoff and jitter (so retries of a burst do not arrive together);
 * completed and failed jobs are kept, but bounded in count and age.
 */
export const defaultJobOptions: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 500, jitter: 0.5 },
  removeOnComplete: { count: 1000, age: 24 * 3600 },
  removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
};

export const notificationJobId = (orderId: string, status: string) => `notify-${orderId}-${status}`;

/**
 * The one way to open a BullMQ queue (producers, the queue dashboard, the worker shell's depth
 * gauge): the stack's prefix ({@link bullPrefix}) and job options, by default
 * {@link defaultJobOptions}. A Redis instance given as `connection` is shared, not closed with the queue.
 */
export function openQueue<T>(
  name: QueueName,
  connection: ConnectionOptions,
  prefix: string,
  jobOptions: JobsOptions = defaultJobOptions,
): Queue<T> {
  return new Queue<T>(name, { connection, prefix: bullPrefix(prefix), defaultJobOptions: jobOptions });
}

/** @deprecated The old name of {@link openQueue}, kept so branches written before it merge; use openQueue. */
export const createQueue = openQueue;

/** The BullMQ prefix for a REDIS_PREFIX; workers must use the same one as the queues. */
export const bullPrefix = (prefix: string) => `${prefix}:bull`;
