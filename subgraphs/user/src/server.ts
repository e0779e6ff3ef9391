import {
  createServiceClient,
  loadTypeDefs,
  postgresCheck,
  redisCheck,
  startSubgraphServer,
  type Redis,
  type RunningServer,
  type SigningKeySet,
  type SubgraphListenOptions,
} from '@commerce/common';
import type { UserDb } from './db';
import { createContextFactory } from './context';
import { resolvers } from './resolvers';
import { GuestCartMerge } from './services/guest-cart-merge';
import { LoginThrottle, type LoginThrottleRules } from './services/login-throttle';
import type { AccountEmailThrottleRules } from './services/account.service';
import { createAccountEmailQueue } from './notifications/account-email.queue';

export const typeDefs = loadTypeDefs(__dirname);

/** Path of the published token keys (RFC 8414 / OpenID Connect discovery use the same well-known folder). */
export const JWKS_PATH = '/.well-known/jwks.json';

export interface UserSubgraphOptions extends SubgraphListenOptions {
  db: UserDb;
  /** Keys that sign client tokens; their public halves are served at {@link JWKS_PATH}. */
  signingKeys: SigningKeySet;
  /** Redis for sign-in throttling (shared by every instance with the same prefix). */
  redis: Redis;
  redisPrefix: string;
  loginThrottle?: LoginThrottleRules;
  /** Throttles of password-reset and verification emails (default DEFAULT_ACCOUNT_EMAIL_THROTTLE). */
  accountEmailThrottle?: AccountEmailThrottleRules;
  /** The cart subgraph, where login and register merge the guest cart of an X-Cart-Token header. */
  cartSubgraphUrl: string;
}

/**
 * Starts the user subgraph on `port` (0: any free port), with its JWKS at {@link JWKS_PATH}.
 * Closing it also closes its account-emails queue.
 */
export async function startUserSubgraph({
  db,
  signingKeys,
  redis,
  redisPrefix,
  loginThrottle,
  accountEmailThrottle,
  cartSubgraphUrl,
  ...listen
}: UserSubgraphOptions): Promise<RunningServer> {
  const accountEmails = createAccountEmailQueue(redis, redisPrefix);
  const guestCartMerge = new GuestCartMerge(
    createServiceClient({ url: cartSubgraphUrl, service: 'user-subgraph', secret: listen.internalSecret }),
    listen.logger,
  );
  const server = await startSubgraphServer({
    ...listen,
    name: 'user',
    typeDefs,
    resolvers,
    createContext: createContextFactory({
      db,
      keys: signingKeys,
      throttle: new LoginThrottle(redis, redisPrefix, loginThrottle),
      redis,
      redisPrefix,
      accountEmails,
      accountEmailThrottle,
      guestCartMerge,
      logger: listen.logger,
    }),
    readinessChecks: { postgres: postgresCheck(db), redis: redisCheck(redis) },
    getRoutes: {
      // Verifiers cache the set; a short max-age lets a newly rotated key spread within minutes.
      [JWKS_PATH]: (_req, res) => {
        res.set('cache-control', 'public, max-age=300');
        res.json(signingKeys.jwks());
      },
    },
  });
  return {
    ...server,
    close: async () => {
      await server.close();
      await accountEmails.close();
    },
  };
}
