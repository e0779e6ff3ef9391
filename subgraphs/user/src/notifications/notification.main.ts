// First: tracing instrumentations patch modules as they load (no-op unless OTEL_* asks for traces).
import '@commerce/common/src/telemetry/register';
import path from 'node:path';
import { postgresCheck, runWorkerProcess } from '@commerce/common';
import { createDb } from '../db';
import { loadUserConfig, webhooksMayReachPrivateNetworks } from '../env';
import { createChannels } from './channels';
import { createMailer } from './mailer';
import { createNotificationWorkers } from './notification.runtime';

// One notification worker process (emails and webhooks); run more of them (npm run worker:notifications) to scale out.
runWorkerProcess('notification worker', loadUserConfig, async ({ config, connection, logger }) => {
  const db = createDb({ connectionString: config.USER_DATABASE_URL });
  const outboxDir = path.resolve(config.MAIL_OUTBOX_DIR);
  const mailer = createMailer({ smtpUrl: config.SMTP_URL, outboxDir, from: config.MAIL_FROM });
  const worker = createNotificationWorkers({
    db,
    mailer,
    connection,
    prefix: config.REDIS_PREFIX,
    notificationConcurrency: config.NOTIFICATION_CONCURRENCY,
    webhookConcurrency: config.WEBHOOK_CONCURRENCY,
    webhookRetry: { maxAttempts: config.WEBHOOK_MAX_ATTEMPTS, backoffMs: config.WEBHOOK_BACKOFF_MS },
    webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
    webhookAllowPrivateNetworks: webhooksMayReachPrivateNetworks(config),
    channels: createChannels({
      sms: { kind: config.SMS_TRANSPORT, url: config.SMS_PROVIDER_URL, token: config.SMS_PROVIDER_TOKEN },
      push: { kind: config.PUSH_TRANSPORT, url: config.PUSH_PROVIDER_URL, token: config.PUSH_PROVIDER_TOKEN },
      outboxDir: path.resolve(config.NOTIFICATION_OUTBOX_DIR),
    }),
    publicUrl: config.PUBLIC_URL,
    logger,
  });
  return {
    worker,
    ready: config.SMTP_URL ? { smtp: 'configured' } : { outboxDir },
    close: () => db.$disconnect(),
    readinessChecks: { postgres: postgresCheck(db) },
  };
});
