import { Worker, type ConnectionOptions } from 'bullmq';
import { QueueName, bullPrefix, type AccountEmailJob, type Logger } from '@commerce/common';
import type { NotificationService } from './notification.service';

/** The BullMQ worker of the account-emails queue: one verification or reset email per job, sent once. */
export function createAccountEmailWorker(options: {
  notifications: NotificationService;
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  logger: Logger;
}): Worker<AccountEmailJob> {
  const worker = new Worker<AccountEmailJob>(
    QueueName.accountEmails,
    async (job) => ({ emailed: await options.notifications.sendAccountEmail(job.id!, job.data) }),
    { connection: options.connection, prefix: bullPrefix(options.prefix), concurrency: options.concurrency },
  );
  worker.on('failed', (job, err) => options.logger.warn({ jobId: job?.id, err }, 'account email job failed'));
  worker.on('error', (err) => options.logger.error({ err }, 'account email worker error'));
  return worker;
}
