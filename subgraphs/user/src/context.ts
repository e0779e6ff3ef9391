import DataLoader from 'dataloader';
import { alignByKey, type BaseContext, type Logger, type SigningKeySet } from '@commerce/common';
import type { UserDb, UserRecord } from './db';
import { AuthService } from './services/auth.service';
import { WebhookEndpointService } from './services/webhook-endpoint.service';
import type { LoginThrottle } from './services/login-throttle';

export interface Context extends BaseContext {
  auth: AuthService;
  webhookEndpoints: WebhookEndpointService;
  /** Set by login/register/refreshToken: the user who just signed in may see their own fields. */
  signedInUserId?: number;
  loaders: { user: DataLoader<number, UserRecord | null> };
}

/** Per-request context: a DataLoader so that N users cost one SQL query. */
export function createContextFactory(db: UserDb, keys: SigningKeySet, throttle: LoginThrottle, logger: Logger) {
  const auth = new AuthService(db, keys, throttle, logger);
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
