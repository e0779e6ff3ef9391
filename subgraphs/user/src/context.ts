import type { IncomingHttpHeaders } from 'node:http';
import DataLoader from 'dataloader';
import { alignByKey, cartTokenFrom, type BaseContext, type Logger, type SigningKeySet } from '@commerce/common';
import type { AddressRecord, UserDb, UserRecord } from './db';
import { AddressBookService } from './services/address-book.service';
import { AuthService } from './services/auth.service';
import type { GuestCartMerge } from './services/guest-cart-merge';
import { WebhookEndpointService } from './services/webhook-endpoint.service';
import type { LoginThrottle } from './services/login-throttle';

export interface Context extends BaseContext {
  auth: AuthService;
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

/** Per-request context: DataLoaders so that N users (or their address books) cost one SQL query. */
export function createContextFactory(
  db: UserDb,
  keys: SigningKeySet,
  throttle: LoginThrottle,
  guestCartMerge: GuestCartMerge,
  logger: Logger,
) {
  const auth = new AuthService(db, keys, throttle, logger);
  const webhookEndpoints = new WebhookEndpointService(db, logger);
  const addressBook = new AddressBookService(db);
  return (base: BaseContext, { headers }: { headers: IncomingHttpHeaders }): Context => ({
    ...base,
    cartToken: cartTokenFrom(headers),
    guestCartMerge,
    auth,
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
