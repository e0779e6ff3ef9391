import type { AccountEmailJob, Logger, OrderNotificationJob, OrderNotificationKind, ReturnNotificationKind } from '@commerce/common';
import type { Prisma, UserDb, UserRecord } from '../db';
import { issueAccountToken } from '../services/account-tokens';
import { accountLink, renderAccountEmail } from './account-email';
import {
  emailChannel,
  type ChannelName,
  type ExtraChannels,
  type NotificationChannel,
  type NotificationMessage,
  type Recipient,
} from './channels';
import type { Mailer } from './mailer';
import { renderOrderEmail } from './order-email';
import { enabledChannels } from './preferences';

/** Longest an SMTP send may hold the notification's lock (the transaction around it). */
const SEND_TIMEOUT_MS = 60_000;

/**
 * RECEIPT: a record of a payment or refund the law requires us to send (EU Directive 2011/83/EU
 * Art. 8(7)), by email whatever the user opted out of. ORDER_UPDATES: the user's preferences decide
 * the channels. A new order kind must be classified here (the Record makes it a type error otherwise).
 */
export const ORDER_KIND_CATEGORY: Record<OrderNotificationKind | ReturnNotificationKind, 'RECEIPT' | 'ORDER_UPDATES'> = {
  ORDER_CONFIRMED: 'RECEIPT',
  ORDER_CANCELLED: 'RECEIPT',
  ORDER_FAILED: 'ORDER_UPDATES',
  ORDER_SHIPPED: 'ORDER_UPDATES',
  ORDER_DELIVERED: 'ORDER_UPDATES',
  RETURN_REQUESTED: 'ORDER_UPDATES',
  RETURN_APPROVED: 'ORDER_UPDATES',
  RETURN_REJECTED: 'ORDER_UPDATES',
  REFUND_ISSUED: 'RECEIPT',
};

export interface NotificationServiceOptions {
  /** SMS and push adapters (channels.ts); without one, that channel is skipped. */
  channels?: ExtraChannels;
  /** Storefront base URL of account links (PUBLIC_URL). */
  publicUrl?: string;
}

const recipientOf = (user: UserRecord): Recipient => ({ userId: user.id, email: user.email, firstName: user.firstName, phone: user.phone });

/**
 * Sends notifications to the addresses the user subgraph holds, on the channels the user chose
 * (preferences.ts) or, for receipts and account emails, by email regardless. Each send is recorded
 * under a key (`order:<orderId>:<status>[:<channel>]`, `account:<jobId>`); a job that runs again
 * finds the record and sends nothing.
 */
export class NotificationService {
  private readonly channels: Record<ChannelName, NotificationChannel | undefined>;
  private readonly publicUrl: string;

  constructor(
    private readonly db: UserDb,
    mailer: Mailer,
    private readonly logger: Logger,
    options: NotificationServiceOptions = {},
  ) {
    this.channels = { EMAIL: emailChannel(mailer), SMS: options.channels?.SMS, PUSH: options.channels?.PUSH };
    this.publicUrl = options.publicUrl ?? 'http://localhost:3000';
  }

  /**
   * Sends the notifications of one order event, once per channel: a receipt by email always, an
   * order update on each channel the user keeps on.
   * @returns whether an email went out now (false: sent already, opted out, or the user is gone).
   * @throws the transport's error when the SMTP server (or a provider) refuses or is unreachable (the job retries).
   */
  async sendOrderNotification(job: OrderNotificationJob): Promise<boolean> {
    const user = await this.db.user.findUnique({ where: { id: job.userId } });
    if (!user) {
      this.logger.warn({ userId: job.userId, orderId: job.orderId }, 'notification for unknown user dropped');
      return false;
    }
    const names: ChannelName[] =
      ORDER_KIND_CATEGORY[job.kind] === 'RECEIPT' ? ['EMAIL'] : await enabledChannels(this.db, user.id, 'ORDER_UPDATES');
    let emailed = false;
    for (const name of names) {
      const key = name === 'EMAIL' ? `order:${job.orderId}:${job.status}` : `order:${job.orderId}:${job.status}:${name.toLowerCase()}`;
      const sent = await this.sendOnce(key, user.id, name, async (_tx, u) => ({ ...renderOrderEmail(job, u), to: recipientOf(u) }));
      if (name === 'EMAIL') emailed = sent;
    }
    if (names.length === 0)
      this.logger.info({ userId: user.id, orderId: job.orderId, kind: job.kind }, 'order update: user opted out everywhere');
    return emailed;
  }

  /**
   * Sends an account email (verification or password reset) by email, whatever the preferences
   * say. Its link token is created in the transaction that records the send, so a failed send
   * leaves no token behind. A reset for an address no account has (or a suspended one), or a
   * verification of an address verified already, sends nothing.
   * @returns whether an email went out now.
   */
  async sendAccountEmail(jobId: string, job: AccountEmailJob): Promise<boolean> {
    const user =
      job.kind === 'PASSWORD_RESET'
        ? await this.db.user.findUnique({ where: { email: job.email } })
        : await this.db.user.findUnique({ where: { id: job.userId } });
    const wanted = user && (job.kind === 'PASSWORD_RESET' ? user.status === 'ACTIVE' : !user.emailVerifiedAt);
    if (!user || !wanted) {
      this.logger.info({ kind: job.kind, userId: user?.id }, 'account email not needed');
      return false;
    }
    // The token commits before the email leaves (sendOnce sends inside its transaction): a link
    // clicked the moment it arrives must find its row. A token of a send that turns out to be a
    // repeat is never mailed, so it can never be used.
    const token = await issueAccountToken(this.db, user.id, job.kind);
    return this.sendOnce(`account:${jobId}`, user.id, 'EMAIL', async (_tx, u) =>
      renderAccountEmail(job.kind, recipientOf(u), accountLink(this.publicUrl, job.kind, token)),
    );
  }

  /**
   * Sends the message `render` builds, once per `key`. The send happens inside a transaction
   * holding a PostgreSQL advisory lock on the key, so two runs of the same job at once (a stalled
   * job picked up again while the first still runs) queue behind each other and the second finds
   * the record. A crash after the transport accepted the message but before the commit is the one
   * case that sends twice (at-least-once, as any SMTP client).
   */
  private sendOnce(
    key: string,
    userId: number,
    name: ChannelName,
    render: (tx: Prisma.TransactionClient, user: UserRecord) => Promise<NotificationMessage>,
  ): Promise<boolean> {
    const channel = this.channels[name];
    if (!channel) {
      this.logger.warn({ channel: name, key }, 'no adapter configured for this channel; skipped');
      return Promise.resolve(false);
    }
    return this.db.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
        if (await tx.notification.findUnique({ where: { key } })) return false;
        const user = await tx.user.findUnique({ where: { id: userId } });
        if (!user) return false;
        const message = await render(tx, user);
        const messageId = await channel.send(message);
        if (messageId === null) {
          this.logger.info({ key, channel: name }, 'recipient not reachable on this channel; skipped');
          return false;
        }
        await tx.notification.create({ data: { key, userId, channel: name.toLowerCase(), subject: message.subject, messageId } });
        this.logger.info({ key, channel: name, messageId }, 'notification sent');
        return true;
      },
      { timeout: SEND_TIMEOUT_MS, maxWait: SEND_TIMEOUT_MS },
    );
  }
}
