import { randomUUID } from 'node:crypto';
import type { ConnectionOptions } from 'bullmq';
import { QueueName, openQueue, type AccountEmailJob } from '@commerce/common';

/** Where the user subgraph's API puts account emails for the notification worker. */
export interface AccountEmailQueue {
  /** Queues one email (a new job id each time). @throws the Redis error. */
  enqueue(job: AccountEmailJob): Promise<void>;
  close(): Promise<void>;
}

/** The account-emails BullMQ queue, retried with the shared backoff. */
export function createAccountEmailQueue(connection: ConnectionOptions, prefix: string): AccountEmailQueue {
  const queue = openQueue<AccountEmailJob>(QueueName.accountEmails, connection, prefix);
  return {
    enqueue: async (job) => {
      await queue.add(job.kind, job, { jobId: `account-${randomUUID()}` });
    },
    close: () => queue.close(),
  };
}
