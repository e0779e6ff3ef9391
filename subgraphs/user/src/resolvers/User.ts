import { tryParseIntId } from '@commerce/common';
import type { UserResolvers } from '../__generated__/resolvers-types';
import type { Context } from '../context';
import type { UserRecord } from '../db';
import { mayReadPrivate, readerOf, requireAddressBookReader } from '../services/user-privacy';

const isPrivateTo = (u: UserRecord, ctx: Context) => mayReadPrivate(ctx.caller, u, ctx.signedInUserId);

function addressBookOf(u: UserRecord, ctx: Context) {
  requireAddressBookReader(ctx.caller, u, ctx.signedInUserId);
  return ctx.loaders.addresses.load(u.id);
}

export const User: UserResolvers = {
  __resolveReference: (ref, ctx) => {
    const id = tryParseIntId(ref.id);
    return id === null ? null : ctx.loaders.user.load(id);
  },
  id: (u) => String(u.id),
  // Other shoppers see a reviewer's name, never their address.
  email: (u, _args, ctx) => (isPrivateTo(u, ctx) ? u.email : null),
  addresses: (u, _args, ctx) => addressBookOf(u, ctx),
  defaultShippingAddress: async (u, _args, ctx) => (await addressBookOf(u, ctx)).find((a) => a.isDefaultShipping) ?? null,
  status: (u, _args, ctx) => (isPrivateTo(u, ctx) ? u.status : null),
  emailVerified: (u, _args, ctx) => (isPrivateTo(u, ctx) ? u.emailVerifiedAt !== null : null),
  phone: (u, _args, ctx) => (isPrivateTo(u, ctx) ? u.phone : null),
  notificationPreferences: (u, _args, ctx) => ctx.preferences.list(readerOf(ctx.caller, u, ctx.signedInUserId), u.id),
};
