import type { ConnectionOptions } from 'bullmq';
import type { Logger } from '@commerce/common';
import type { UserDb } from '../db';
import type { Mailer } from './mailer';
import { NotificationService } from './notification.service';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { createNotificationWorker } from './notification.worker';
import { createAccountEmailWorker } from './account-email.worker';
import type { ExtraChannels } from './channels';
import { createWebhookQueue, createWebhookWorker, type WebhookRetryOptions } from './webhook.worker';

export interface NotificationWorkersOptions {
  db: UserDb;
  mailer: Mailer;
  connection: ConnectionOptions;
  /** REDIS_PREFIX. */
  prefix: string;
  notificationConcurrency: number;
  webhookConcurrency: number;
  webhookRetry: WebhookRetryOptions;
  /** Longest one webhook POST may take, in ms. */
  webhookTimeoutMs: number;
  /** Whether webhooks may go to loopback/private/link-local addresses (false in production: SSRF). */
  webhookAllowPrivateNetworks: boolean;
  /** SMS and push adapters (channels.ts createChannels); absent: those channels are skipped. */
  channels?: ExtraChannels;
  /** Storefront base URL of verification and reset links (PUBLIC_URL). */
  publicUrl?: string;
  logger: Logger;
}

/**
 * What one `npm run worker:notifications` process runs: the notifications worker (order
 * notifications on the user's channels, and queueing webhook deliveries), the account-emails
 * worker (verification and reset links) and the webhooks worker (the signed POSTs), with the queue between them.
 */
export function createNotificationWorkers(options: NotificationWorkersOptions) {
  const { connection, prefix, logger } = options;
  const webhookQueue = createWebhookQueue(connection, prefix, options.webhookRetry);
  const webhooks = new WebhookDeliveryService(options.db, webhookQueue, {
    timeoutMs: options.webhookTimeoutMs,
    allowPrivateNetworks: options.webhookAllowPrivateNetworks,
    logger,
  });
  const notifications = new NotificationService(options.db, options.mailer, logger, {
    channels: options.channels,
    publicUrl: options.publicUrl,
  });
  const notificationWorker = createNotificationWorker({
    notifications,
    webhooks,
    connection,
    prefix,
    concurrency: options.notificationConcurrency,
    logger,
  });
  const accountEmailWorker = createAccountEmailWorker({
    notifications,
    connection,
    prefix,
    concurrency: options.notificationConcurrency,
    logger,
  });
  const webhookWorker = createWebhookWorker({ webhooks, connection, prefix, concurrency: options.webhookConcurrency, logger });
  return {
    notificationWorker,
    accountEmailWorker,
    webhookWorker,
    webhookQueue,
    waitUntilReady: async () => {
      await Promise.all([
        notificationWorker.waitUntilReady(),
        accountEmailWorker.waitUntilReady(),
        webhookWorker.waitUntilReady(),
        webhookQueue.waitUntilReady(),
      ]);
    },
    /** Lets active jobs finish, then closes the workers and the queue. */
    close: async () => {
      await Promise.all([notificationWorker.close(), accountEmailWorker.close(), webhookWorker.close()]);
      await Promise.all([webhookQueue.close(), webhooks.close()]);
    },
  };
}
export type NotificationWorkers = ReturnType<typeof createNotificationWorkers>;
