import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { jobTelemetry } from './telemetry';

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
  /** Account emails (verification, password reset); fed and worked by the user subgraph (issue 11). */
  accountEmails: 'account-emails',
  /** The cart subgraph's scheduled sweep of expired guest carts (a BullMQ job scheduler, no payload). */
  guestCartExpiry: 'guest-cart-expiry',
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
 * [returns, issue 11 item 5] Steps of a return or refund the customer is emailed about (no webhook
 * event type: endpoints subscribe to {@link OrderNotificationKinds} only).
 */
export const ReturnNotificationKinds = ['RETURN_REQUESTED', 'RETURN_APPROVED', 'RETURN_REJECTED', 'REFUND_ISSUED'] as const;
export type ReturnNotificationKind = (typeof ReturnNotificationKinds)[number];

/** Whether a notification is about an order's status (webhook event types), not a return step. */
export const isOrderNotificationKind = (kind: string): kind is OrderNotificationKind =>
  (OrderNotificationKinds as readonly string[]).includes(kind);

/**
 * Notification job: an email about an order to its owner. Job id = its outbox message id; the
 * user subgraph records each send under `order:<orderId>:<status>`, so a re-run sends nothing twice.
 * For a return kind, `status` is `<kind>:<return or refund id>` (one email per step of each),
 * `lines` are the returned lines and `refundCents` the amount refunded.
 */
export interface OrderNotificationJob {
  kind: OrderNotificationKind | ReturnNotificationKind;
  orderId: string;
  userId: number;
  status: string;
  failureReason: string | null;
  totalCents: number;
  currencyCode: string;
  lines: NotificationLine[];
  /** [returns] The refund of this step, in cents (RETURN_APPROVED: on its way; REFUND_ISSUED: done). */
  refundCents?: number;
  /** [returns] The customer's reason (RETURN_REQUESTED), the admin's (RETURN_REJECTED, an admin's refund). */
  note?: string | null;
  /** (issue 11.4) The shipment, on ORDER_SHIPPED and ORDER_DELIVERED: carrier (UPS, USPS, DHL, FEDEX), number, tracking page. */
  tracking?: NotificationTracking | null;
}

/** A shipment as a notification shows it. */
export interface NotificationTracking {
  carrier: string;
  trackingNumber: string;
  trackingUrl: string;
}

/** [returns] Refund job (checkout queue, name `refund`): call the provider for a PENDING Refund. Job id = outbox message id. */
export interface RefundJob {
  orderId: string;
  refundId: string;
}

/** [returns] Restock job (checkout queue, name `restock`): put an approved return's units back in stock. */
export interface RestockJob {
  orderId: string;
  returnId: string;
}

/**
 * (issue 11) An account email. The worker creates the single-use link token itself, in the
 * transaction that records the send, so the token never sits in Redis. A password reset names
 * the address as typed: the request path does no lookup, so known and unknown addresses cost the same.
 * Job id: `account-<uuid>`, one email per job.
 */
export type AccountEmailJob = { kind: 'EMAIL_VERIFICATION'; userId: number } | { kind: 'PASSWORD_RESET'; email: string };

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
 * The one way to open a BullMQ queue (with BullMQ's tracing when the process traces) (producers, the queue dashboard, the worker shell's depth
 * gauge): the stack's prefix ({@link bullPrefix}) and job options, by default
 * {@link defaultJobOptions}. A Redis instance given as `connection` is shared, not closed with the queue.
 */
export function openQueue<T>(
  name: QueueName,
  connection: ConnectionOptions,
  prefix: string,
  jobOptions: JobsOptions = defaultJobOptions,
): Queue<T> {
  return new Queue<T>(name, { connection, prefix: bullPrefix(prefix), defaultJobOptions: jobOptions, telemetry: jobTelemetry() });
}


/** The BullMQ prefix for a REDIS_PREFIX; workers must use the same one as the queues. */
export const bullPrefix = (prefix: string) => `${prefix}:bull`;
