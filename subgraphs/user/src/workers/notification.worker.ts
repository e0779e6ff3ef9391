import { Worker, type ConnectionOptions } from 'bullmq';
import { QueueName, bullPrefix, type Logger, type OrderNotificationJob } from '@commerce/common';
import type { NotificationService } from '../services/notification.service';

/** The BullMQ worker of the notifications queue. */
export function createNotificationWorker(options: {
  notifications: NotificationService;
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  logger: Logger;
}): Worker<OrderNotificationJob> {
  const worker = new Worker<OrderNotificationJob>(
    QueueName.notifications,
    async (job) => {
      await options.notifications.sendOrderNotification(job.data);
    },
    { connection: options.connection, prefix: bullPrefix(options.prefix), concurrency: options.concurrency },
  );
  worker.on('failed', (job, err) => options.logger.warn({ jobId: job?.id, err }, 'notification job failed'));
  worker.on('error', (err) => options.logger.error({ err }, 'notification worker error'));
  return worker;
}
