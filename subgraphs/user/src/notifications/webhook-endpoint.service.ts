import { z } from 'zod';
import { BadUserInputError, NotFoundError, OrderNotificationKinds, requireAdmin, type Caller, type Logger } from '@commerce/common';
import type { UserDb, WebhookDeliveryRecord, WebhookEndpointRecord } from '../db';
import { newWebhookSecret } from './webhook-signature';

/** A new endpoint with its signing secret, which is returned this once. */
export interface WebhookRegistration {
  endpoint: WebhookEndpointRecord;
  secret: string;
}

/** A delivery with the HTTP status of its latest attempt (null: no attempt yet, or no response). */
export type WebhookDeliveryView = WebhookDeliveryRecord & { lastStatusCode: number | null };

const registrationSchema = z.object({
  // Only http(s): a webhook is an HTTP POST, and other schemes (file:, javascript:) are never meant.
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2048),
  events: z
    .array(z.enum(OrderNotificationKinds))
    .min(1, 'list at least one event')
    .transform((events) => [...new Set(events)]),
});

/** Admin management of merchants' webhook endpoints (registration, listing, deletion). */
export class WebhookEndpointService {
  constructor(
    private readonly db: UserDb,
    private readonly logger: Logger,
  ) {}

  /**
   * Registers an endpoint for `events`; generates its signing secret.
   * @throws UnauthenticatedError when signed out; ForbiddenError for non-admins; BadUserInputError
   *   for a URL that is not http(s) or an empty event list.
   */
  async register(caller: Caller, input: { url: string; events: readonly string[] }): Promise<WebhookRegistration> {
    const admin = requireWebhookAdmin(caller);
    const parsed = registrationSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = String(issue.path[0] ?? 'input');
      throw new BadUserInputError(`${field}: ${issue.message}`, { field });
    }
    const secret = newWebhookSecret();
    const endpoint = await this.db.webhookEndpoint.create({ data: { ...parsed.data, secret, createdBy: admin.userId } });
    this.logger.info(
      { endpointId: endpoint.id, url: endpoint.url, events: endpoint.events, by: admin.userId },
      'webhook endpoint registered',
    );
    return { endpoint, secret };
  }

  /** Every endpoint, newest first. @throws UnauthenticatedError / ForbiddenError for non-admins. */
  async list(caller: Caller): Promise<WebhookEndpointRecord[]> {
    requireWebhookAdmin(caller);
    return this.db.webhookEndpoint.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] });
  }

  /**
   * Deletes an endpoint with its deliveries; queued deliveries to it find nothing and stop.
   * @throws UnauthenticatedError / ForbiddenError for non-admins; NotFoundError for an unknown id.
   */
  async delete(caller: Caller, id: string): Promise<true> {
    const admin = requireWebhookAdmin(caller);
    const { count } = await this.db.webhookEndpoint.deleteMany({ where: { id } });
    if (count === 0) throw new NotFoundError('WebhookEndpoint', id);
    this.logger.info({ endpointId: id, by: admin.userId }, 'webhook endpoint deleted');
    return true;
  }

  /** The latest `first` (1–100) deliveries to an endpoint, newest first. */
  async deliveries(endpointId: string, first: number): Promise<WebhookDeliveryView[]> {
    if (!Number.isInteger(first) || first < 1 || first > 100)
      throw new BadUserInputError('first must be between 1 and 100', { field: 'first' });
    const rows = await this.db.webhookDelivery.findMany({
      where: { endpointId },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      take: first,
      include: { attempts: { orderBy: { attempt: 'desc' }, take: 1, select: { statusCode: true } } },
    });
    return rows.map(({ attempts, ...delivery }) => ({ ...delivery, lastStatusCode: attempts[0]?.statusCode ?? null }));
  }
}

const requireWebhookAdmin = (caller: Caller) => requireAdmin(caller, 'Only admins may manage webhook endpoints');
