import type { Logger, OrderNotificationJob } from '@commerce/common';
import type { UserDb } from '../db';
import type { Mailer } from './mailer';
import { renderOrderEmail } from './order-email';

/** Longest an SMTP send may hold the notification's lock (the transaction around it). */
const SEND_TIMEOUT_MS = 60_000;

/**
 * Sends order emails to the address the user subgraph holds. Each send is recorded under
 * `order:<orderId>:<status>`; a job that runs again finds the record and sends nothing.
 */
export class NotificationService {
  constructor(
    private readonly db: UserDb,
    private readonly mailer: Mailer,
    private readonly logger: Logger,
  ) {}

  /**
   * Sends the email for one order event, once. The send happens inside a transaction holding a
   * PostgreSQL advisory lock on the key, so two runs of the same job at once (a stalled job picked
   * up again while the first still runs) queue behind each other and the second finds the record.
   * A crash after the SMTP server accepted the message but before the commit is the one case that
   * sends twice (at-least-once, as any SMTP client).
   * @returns false when this notification had been sent already or the user is gone.
   * @throws the transport's error when the SMTP server refuses or is unreachable (the job retries).
   */
  async sendOrderNotification(job: OrderNotificationJob): Promise<boolean> {
    const key = `order:${job.orderId}:${job.status}`;
    return this.db.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
        if (await tx.notification.findUnique({ where: { key } })) return false;
        const user = await tx.user.findUnique({ where: { id: job.userId } });
        if (!user) {
          this.logger.warn({ userId: job.userId, orderId: job.orderId }, 'notification for unknown user dropped');
          return false;
        }
        const email = renderOrderEmail(job, user);
        const messageId = await this.mailer.send(email);
        await tx.notification.create({ data: { key, userId: user.id, channel: 'email', subject: email.subject, messageId } });
        this.logger.info({ orderId: job.orderId, kind: job.kind, messageId }, 'order email sent');
        return true;
      },
      { timeout: SEND_TIMEOUT_MS, maxWait: SEND_TIMEOUT_MS },
    );
  }
}
