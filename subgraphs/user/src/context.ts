import DataLoader from 'dataloader';
import { alignByKey, type BaseContext, type Logger } from '@commerce/common';
import type { UserDb, UserRecord } from './db';
import { AuthService } from './services/auth.service';
import { WebhookEndpointService } from './services/webhook-endpoint.service';

export interface Context extends BaseContext {
  auth: AuthService;
  webhookEndpoints: WebhookEndpointService;
  /** Set by login/register/refreshToken: the user who just signed in may see their own fields. */
  signedInUserId?: number;
  loaders: { user: DataLoader<number, UserRecord | null> };
}

/** Per-request context: a DataLoader so that N users cost one SQL query. */
export function createContextFactory(db: UserDb, jwtSecret: string, logger: Logger) {
  const auth = new AuthService(db, jwtSecret, logger);
  const webhookEndpoints = new WebhookEndpointService(db, logger);
  return (base: BaseContext): Context => ({
    ...base,
    auth,
    webhookEndpoints,
    loaders: {
      user: new DataLoader(async (ids: readonly number[]) =>
        alignByKey(ids, await db.user.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id),
      ),
    },
  });
}
