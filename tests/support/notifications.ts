import type { ConnectionOptions } from 'bullmq';
import * as user from '@commerce/user';
import type { Stack } from './stack';

/** What a suite may change of {@link startNotificationWorkers}' defaults. */
export type NotificationWorkerOverrides = Partial<Omit<user.NotificationWorkersOptions, 'db' | 'mailer' | 'connection' | 'prefix'>> & {
  /** The From header (default `Shop <orders@shop.test>`). */
  from?: string;
};

/**
 * The notification worker process of a suite, in-process: the stack's user database and Redis
 * prefix, emails over SMTP to `smtpUrl` (a {@link startMailbox} server), one webhook attempt with a
 * 1 s timeout, private webhook targets allowed (suites post to 127.0.0.1). Resolves once its
 * workers are ready; the caller closes it (and `connection`).
 */
export async function startNotificationWorkers(
  stack: Stack,
  smtpUrl: string,
  connection: ConnectionOptions,
  { from = 'Shop <orders@shop.test>', ...overrides }: NotificationWorkerOverrides = {},
): Promise<user.NotificationWorkers> {
  const workers = user.createNotificationWorkers({
    db: stack.db.user,
    mailer: user.createMailer({ smtpUrl, outboxDir: '/nonexistent', from }),
    connection,
    prefix: stack.redisPrefix,
    notificationConcurrency: 2,
    webhookConcurrency: 1,
    webhookRetry: { maxAttempts: 1, backoffMs: 10 },
    webhookTimeoutMs: 1000,
    webhookAllowPrivateNetworks: true,
    logger: stack.logger,
    ...overrides,
  });
  await workers.waitUntilReady();
  return workers;
}
