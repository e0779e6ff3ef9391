import type { ConnectionOptions } from 'bullmq';
import { QueueName, createJobWorker, type AccountEmailJob, type JobWorker, type Logger } from '@commerce/common';
import type { NotificationService } from './notification.service';

/** The BullMQ worker of the account-emails queue: one verification or reset email per job, sent once. */
export function createAccountEmailWorker(options: {
  notifications: NotificationService;
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  logger: Logger;
}): JobWorker<AccountEmailJob, { emailed: boolean }> {
  return createJobWorker<AccountEmailJob, { emailed: boolean }>(
    QueueName.accountEmails,
    async (job) => ({ emailed: await options.notifications.sendAccountEmail(job.id!, job.data) }),
    options,
  );
}
