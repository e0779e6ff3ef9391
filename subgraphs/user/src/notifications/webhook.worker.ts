import type { ConnectionOptions, JobsOptions, Queue } from 'bullmq';
import { QueueName, createJobWorker, openQueue, type JobWorker, type Logger, type WebhookDeliveryJob } from '@commerce/common';
import type { WebhookDeliveryService } from './webhook-delivery.service';
import { BlockedWebhookAddressError } from './webhook-network';

/** Retry policy of webhook deliveries. */
export interface WebhookRetryOptions {
  /** Attempts per delivery, the first included. */
  maxAttempts: number;
  /** Base of the exponential backoff in ms: attempt n waits between ½ and 1 × base × 2^(n-1). */
  backoffMs: number;
}

/**
 * Job options of the webhooks queue: exponential backoff with 50 % jitter, so endpoints that come
 * back after an outage are not hit by every retry at the same instant; finished jobs bounded.
 */
export const webhookJobOptions = (retry: WebhookRetryOptions): JobsOptions => ({
  attempts: retry.maxAttempts,
  backoff: { type: 'exponential', delay: retry.backoffMs, jitter: 0.5 },
  removeOnComplete: { count: 1000, age: 24 * 3600 },
  removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
});

/** The webhooks queue as the notification worker feeds it. */
export function createWebhookQueue(connection: ConnectionOptions, prefix: string, retry: WebhookRetryOptions): Queue<WebhookDeliveryJob> {
  return openQueue<WebhookDeliveryJob>(QueueName.webhooks, connection, prefix, webhookJobOptions(retry));
}

/** The BullMQ worker of the webhooks queue: one signed POST per run; the last failed attempt marks the delivery FAILED. */
export function createWebhookWorker(options: {
  webhooks: WebhookDeliveryService;
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  logger: Logger;
}): JobWorker<WebhookDeliveryJob, unknown> {
  return createJobWorker<WebhookDeliveryJob>(QueueName.webhooks, (job) => options.webhooks.deliver(job.data.deliveryId), {
    ...options,
    // An endpoint on a refused internal address stays refused: no retries (the delivery is FAILED already).
    isRetryable: (err) => !(err instanceof BlockedWebhookAddressError),
    onGiveUp: async (job, err) => {
      if (!(err instanceof BlockedWebhookAddressError)) await options.webhooks.giveUp(job.data.deliveryId);
    },
  });
}
