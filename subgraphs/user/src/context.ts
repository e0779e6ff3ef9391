import type { IncomingHttpHeaders } from 'node:http';
import DataLoader from 'dataloader';
import { alignByKey, cartTokenFrom, type BaseContext, type Logger, type Redis, type SigningKeySet } from '@commerce/common';
import type { AddressRecord, UserDb, UserRecord } from './db';
import { AccountService, type AccountEmailThrottleRules } from './services/account.service';
import { AddressBookService } from './services/address-book.service';
import { AuthService } from './services/auth.service';
import { UserAdminService } from './services/user-admin.service';
import { WebhookEndpointService } from './notifications/webhook-endpoint.service';
import type { AccountEmailQueue } from './notifications/account-email.queue';
import { NotificationPreferenceService } from './notifications/preferences';
import type { GuestCartMerge } from './services/guest-cart-merge';
import type { LoginThrottle } from './services/login-throttle';

export interface Context extends BaseContext {
  auth: AuthService;
  account: AccountService;
  userAdmin: UserAdminService;
  preferences: NotificationPreferenceService;
  webhookEndpoints: WebhookEndpointService;
  addressBook: AddressBookService;
  /** Set by login/register/refreshToken: the user who just signed in may see their own fields. */
  signedInUserId?: number;
  /** The request's X-Cart-Token (a guest cart to merge at sign-in); untrusted until the cart subgraph checks it. */
  cartToken?: string;
  guestCartMerge: GuestCartMerge;
  /** Set by login/register: whether the guest cart of cartToken is now in the user's cart (AuthPayload.guestCartMerged). */
  guestCartMerged?: boolean;
  loaders: {
    user: DataLoader<number, UserRecord | null>;
    /** Each user's address book, keyed by user id: N users cost one statement. */
    addresses: DataLoader<number, AddressRecord[]>;
  };
}

/** What the services of the user subgraph share: database, keys, Redis (throttles, session revocations), the account-emails queue, the guest-cart merge. */
export interface ContextDependencies {
  db: UserDb;
  keys: SigningKeySet;
  throttle: LoginThrottle;
  redis: Redis;
  redisPrefix: string;
  accountEmails: AccountEmailQueue;
  accountEmailThrottle?: AccountEmailThrottleRules;
  /** Merges a guest cart into the user's at sign-in (the cart subgraph, over the service client). */
  guestCartMerge: GuestCartMerge;
  logger: Logger;
}

/** Per-request context: DataLoaders so that N users (or their address books) cost one SQL query. */
export function createContextFactory(deps: ContextDependencies) {
  const { db, logger } = deps;
  const account = new AccountService(db, deps.accountEmails, deps.redis, deps.redisPrefix, logger, deps.accountEmailThrottle);
  const auth = new AuthService(db, deps.keys, deps.throttle, logger, (user) => account.sendVerificationAfterRegistration(user));
  const userAdmin = new UserAdminService(db, deps.redis, deps.redisPrefix, logger);
  const preferences = new NotificationPreferenceService(db);
  const webhookEndpoints = new WebhookEndpointService(db, logger);
  const addressBook = new AddressBookService(db);
  return (base: BaseContext, { headers }: { headers: IncomingHttpHeaders }): Context => ({
    ...base,
    cartToken: cartTokenFrom(headers),
    guestCartMerge: deps.guestCartMerge,
    auth,
    account,
    userAdmin,
    preferences,
    webhookEndpoints,
    addressBook,
    loaders: {
      user: new DataLoader(async (ids: readonly number[]) =>
        alignByKey(ids, await db.user.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id),
      ),
      addresses: new DataLoader((ids: readonly number[]) => addressBook.addressesOfUsers(ids)),
    },
  });
}
