import type { Logger, OrderNotificationJob } from '@commerce/common';
import { Prisma, type UserDb } from '../db';
import type { Mailer } from './mailer';
import { renderOrderEmail } from './order-email';

/**
 * Sends order emails to the address the user subgraph holds. Each send is recorded under
 * `key` (`<orderId>:<status>`); a job that runs again finds the record and sends nothing.
 */
export class NotificationService {
  constructor(
    private readonly db: UserDb,
    private readonly mailer: Mailer,
    private readonly logger: Logger,
  ) {}

  /** @returns false when this notification had been sent already or the user is gone. */
  async sendOrderNotification(job: OrderNotificationJob): Promise<boolean> {
    const key = `order:${job.orderId}:${job.status}`;
    if (await this.db.notification.findUnique({ where: { key } })) return false;
    const user = await this.db.user.findUnique({ where: { id: job.userId } });
    if (!user) {
      this.logger.warn({ userId: job.userId, orderId: job.orderId }, 'notification for unknown user dropped');
      return false;
    }
    const email = renderOrderEmail(job, user);
    const messageId = await this.mailer.send(email);
    try {
      await this.db.notification.create({ data: { key, userId: user.id, channel: 'email', subject: email.subject, messageId } });
    } catch (err) {
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
    }
    this.logger.info({ orderId: job.orderId, kind: job.kind, messageId }, 'order email sent');
    return true;
  }
}
