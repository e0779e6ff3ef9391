import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { fetch, type Agent } from 'undici';
import {
  isOrderNotificationKind,
  webhookDeliveryJobId,
  type Logger,
  type OrderNotificationJob,
  type WebhookDeliveryJob,
} from '@commerce/common';
import type { UserDb } from '../db';
import { BlockedWebhookAddressError, assertPublicHost, createWebhookDispatcher } from './webhook-network';
import { WebhookHeader, signWebhook } from './webhook-signature';

/** The JSON body of every delivery (Stripe-like event envelope); money in integer cents. */
export interface WebhookEvent {
  /** Event id = delivery id: the same on every retry of this delivery. */
  id: string;
  /** `order.confirmed`, `order.failed`, `order.cancelled`, `order.shipped`, `order.delivered`. */
  type: string;
  /** Unix seconds when the event was recorded. */
  created: number;
  data: {
    order: {
      id: string;
      status: string;
      failureReason: string | null;
      userId: number;
      total: { amount: number; currencyCode: string };
      items: { productId: number; title: string; quantity: number; lineTotal: { amount: number; currencyCode: string } }[];
    };
  };
}

/** A non-2xx answer or a network error: BullMQ retries the job with backoff. */
export class WebhookDeliveryError extends Error {
  constructor(
    message: string,
    readonly statusCode: number | null,
  ) {
    super(message);
    this.name = 'WebhookDeliveryError';
  }
}

/** What one run of a delivery job did. */
export type DeliveryOutcome = 'delivered' | 'already-delivered' | 'gone';

/** `ORDER_CONFIRMED` → `order.confirmed`. */
export const webhookEventType = (kind: string) => kind.toLowerCase().replace('_', '.');

/**
 * Signed webhooks to merchants' endpoints. For each order notification it records one delivery
 * per endpoint listening to that event (unique per endpoint, order and status) and queues one job
 * for it; the job POSTs the recorded body, signed, and records every attempt. A delivery answered
 * with a 2xx is marked DELIVERED and never sent again.
 */
export class WebhookDeliveryService {
  private readonly dispatcher: Agent;

  /**
   * @param options.timeoutMs longest one POST may take.
   * @param options.allowPrivateNetworks when false, endpoints that resolve to loopback, private,
   *   link-local or other internal addresses are refused (SSRF); default true (local development).
   */
  constructor(
    private readonly db: UserDb,
    private readonly queue: Queue<WebhookDeliveryJob>,
    private readonly options: { timeoutMs: number; logger: Logger; allowPrivateNetworks?: boolean },
  ) {
    this.dispatcher = createWebhookDispatcher(options.allowPrivateNetworks ?? true);
  }

  /** Closes the HTTP connection pool. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /**
   * Records and queues the deliveries of one order event. Idempotent: a re-run finds the recorded
   * deliveries (same body, same id) and BullMQ drops the duplicate job ids.
   * @returns how many endpoints listen to this event.
   */
  async enqueueForOrder(job: OrderNotificationJob): Promise<number> {
    // [returns] Return and refund steps are emailed only; they are no webhook event type.
    const { kind } = job;
    if (!isOrderNotificationKind(kind)) return 0;
    const endpoints = await this.db.webhookEndpoint.findMany({ where: { events: { has: kind } }, select: { id: true } });
    if (endpoints.length === 0) return 0;
    const keyOf = (endpointId: string) => `${endpointId}:${job.orderId}:${job.status}`;
    const created = Math.floor(Date.now() / 1000);
    // skipDuplicates: a delivery recorded by an earlier run keeps its id and body.
    await this.db.webhookDelivery.createMany({
      data: endpoints.map(({ id: endpointId }) => {
        const id = randomUUID();
        return { id, key: keyOf(endpointId), endpointId, eventType: kind, orderId: job.orderId, payload: eventBody(id, created, job) };
      }),
      skipDuplicates: true,
    });
    const deliveries = await this.db.webhookDelivery.findMany({
      where: { key: { in: endpoints.map((e) => keyOf(e.id)) }, status: { not: 'DELIVERED' } },
      select: { id: true, endpointId: true },
    });
    await this.queue.addBulk(
      deliveries.map((d) => ({
        name: job.kind,
        data: { deliveryId: d.id },
        opts: { jobId: webhookDeliveryJobId(d.endpointId, job.orderId, job.status) },
      })),
    );
    return endpoints.length;
  }

  /**
   * One attempt of a delivery: POST the recorded body with a fresh timestamp and signature,
   * record the attempt, mark the delivery DELIVERED on a 2xx. Redirects are not followed (a 3xx
   * is a failure, as with Stripe).
   * @throws WebhookDeliveryError on a non-2xx answer, a timeout or a network error;
   *   BlockedWebhookAddressError (after recording the attempt and marking the delivery FAILED) when
   *   the endpoint is on an internal address that is not allowed: retrying cannot help.
   */
  async deliver(deliveryId: string): Promise<DeliveryOutcome> {
    const delivery = await this.db.webhookDelivery.findUnique({ where: { id: deliveryId }, include: { endpoint: true } });
    // Deleting the endpoint deleted its deliveries: nothing left to send.
    if (!delivery) return 'gone';
    // A FAILED one is tried again: an admin retried its job from the queue dashboard.
    if (delivery.status === 'DELIVERED') return 'already-delivered';
    const { attemptCount: attempt } = await this.db.webhookDelivery.update({
      where: { id: deliveryId },
      data: { attemptCount: { increment: 1 } },
      select: { attemptCount: true },
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let blocked: BlockedWebhookAddressError | undefined;
    try {
      assertPublicHost(delivery.endpoint.url, this.options.allowPrivateNetworks ?? true);
      const response = await fetch(delivery.endpoint.url, {
        method: 'POST',
        redirect: 'manual',
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'commerce-supergraph-webhooks/1',
          [WebhookHeader.timestamp]: String(timestamp),
          [WebhookHeader.signature]: signWebhook(delivery.endpoint.secret, delivery.payload, timestamp),
          [WebhookHeader.id]: delivery.id,
          [WebhookHeader.event]: webhookEventType(delivery.eventType),
        },
        body: delivery.payload,
      });
      statusCode = response.status;
      await response.body?.cancel();
    } catch (err) {
      blocked = blockedCause(err);
      const cause = blocked ?? err;
      error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    }
    const durationMs = Math.round(performance.now() - started);
    const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
    await this.db.$transaction([
      this.db.webhookDeliveryAttempt.create({ data: { deliveryId, attempt, statusCode, error, durationMs } }),
      ...(ok
        ? [
            this.db.webhookDelivery.updateMany({
              where: { id: deliveryId, status: { not: 'DELIVERED' } },
              data: { status: 'DELIVERED', deliveredAt: new Date() },
            }),
          ]
        : []),
      ...(blocked
        ? [this.db.webhookDelivery.updateMany({ where: { id: deliveryId, status: 'PENDING' }, data: { status: 'FAILED' } })]
        : []),
    ]);
    const log = { deliveryId, endpointId: delivery.endpointId, orderId: delivery.orderId, attempt, statusCode, durationMs };
    if (ok) {
      this.options.logger.info(log, 'webhook delivered');
      return 'delivered';
    }
    this.options.logger.warn({ ...log, error }, 'webhook attempt failed');
    if (blocked) throw blocked;
    throw new WebhookDeliveryError(error ?? `endpoint answered HTTP ${statusCode}`, statusCode);
  }

  /** Marks a delivery FAILED once its last attempt failed. */
  async giveUp(deliveryId: string): Promise<void> {
    await this.db.webhookDelivery.updateMany({ where: { id: deliveryId, status: 'PENDING' }, data: { status: 'FAILED' } });
  }
}

/** The BlockedWebhookAddressError behind a fetch failure (undici wraps it as the cause), if any. */
function blockedCause(err: unknown): BlockedWebhookAddressError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof BlockedWebhookAddressError) return e;
  }
  return undefined;
}

function eventBody(id: string, created: number, job: OrderNotificationJob): string {
  const money = (amount: number) => ({ amount, currencyCode: job.currencyCode });
  const event: WebhookEvent = {
    id,
    type: webhookEventType(job.kind),
    created,
    data: {
      order: {
        id: job.orderId,
        status: job.status,
        failureReason: job.failureReason,
        userId: job.userId,
        total: money(job.totalCents),
        items: job.lines.map((l) => ({ productId: l.productId, title: l.title, quantity: l.quantity, lineTotal: money(l.lineTotalCents) })),
      },
    },
  };
  return JSON.stringify(event);
}
