import { randomUUID } from 'node:crypto';
import { Queue, type ConnectionOptions } from 'bullmq';
import { QueueName, bullPrefix, defaultJobOptions, type AccountEmailJob } from '@commerce/common';

/** Where the user subgraph's API puts account emails for the notification worker. */
export interface AccountEmailQueue {
  /** Queues one email (a new job id each time). @throws the Redis error. */
  enqueue(job: AccountEmailJob): Promise<void>;
  close(): Promise<void>;
}

/** The account-emails BullMQ queue, retried with the shared backoff. */
export function createAccountEmailQueue(connection: ConnectionOptions, prefix: string): AccountEmailQueue {
  const queue = new Queue<AccountEmailJob>(QueueName.accountEmails, { connection, prefix: bullPrefix(prefix), defaultJobOptions });
  return {
    enqueue: async (job) => {
      await queue.add(job.kind, job, { jobId: `account-${randomUUID()}` });
    },
    close: () => queue.close(),
  };
}
