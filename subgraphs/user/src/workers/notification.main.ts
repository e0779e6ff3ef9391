import path from 'node:path';
import { createLogger, createRedis, runProcess } from '@commerce/common';
import { createDb } from '../db';
import { loadUserConfig } from '../env';
import { createMailer } from '../services/mailer';
import { NotificationService } from '../services/notification.service';
import { createNotificationWorker } from './notification.worker';

// One notification worker process; run more of them (npm run worker:notifications) to scale out.
const logger = createLogger('notification-worker');

runProcess(logger, async () => {
  const config = loadUserConfig();
  logger.level = config.LOG_LEVEL;
  const db = createDb({ connectionString: config.USER_DATABASE_URL });
  const outboxDir = path.resolve(config.MAIL_OUTBOX_DIR);
  const mailer = createMailer({ smtpUrl: config.SMTP_URL, outboxDir, from: config.MAIL_FROM });
  const connection = createRedis(config.REDIS_URL, 'notification-worker');
  const worker = createNotificationWorker({
    notifications: new NotificationService(db, mailer, logger),
    connection,
    prefix: config.REDIS_PREFIX,
    concurrency: config.NOTIFICATION_CONCURRENCY,
    logger,
  });
  await worker.waitUntilReady();
  logger.info(config.SMTP_URL ? { smtp: 'configured' } : { outboxDir }, 'notification worker ready');
  return async () => {
    await worker.close();
    await connection.quit();
    await db.$disconnect();
  };
});
