import type { ConnectionOptions } from 'bullmq';
import { QueueName, createJobWorker, type JobWorker, type Logger, type OrderNotificationJob } from '@commerce/common';
import type { NotificationService } from './notification.service';
import type { WebhookDeliveryService } from './webhook-delivery.service';

/**
 * The BullMQ worker of the notifications queue: per order event, the customer's email (sent
 * once) and one queued webhook delivery per endpoint listening to the event.
 */
export function createNotificationWorker(options: {
  notifications: NotificationService;
  webhooks: WebhookDeliveryService;
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  logger: Logger;
}): JobWorker<OrderNotificationJob, unknown> {
  return createJobWorker<OrderNotificationJob>(
    QueueName.notifications,
    async (job) => {
      // Webhooks first: queueing them only needs our database and Redis, so an SMTP outage that
      // keeps this job retrying does not hold merchants' events back. Both steps are idempotent.
      const webhooks = await options.webhooks.enqueueForOrder(job.data);
      const emailed = await options.notifications.sendOrderNotification(job.data);
      return { emailed, webhooks };
    },
    options,
  );
}
