import { ForbiddenError, canActFor, tryParseIntId } from '@commerce/common';
import type { UserResolvers } from '../__generated__/resolvers-types';
import type { Context } from '../context';
import type { UserRecord } from '../db';

/** The user themself (also right after signing in), an admin or a service. */
const mayReadPrivate = (u: UserRecord, ctx: Context) => canActFor(ctx.caller, u.id) || ctx.signedInUserId === u.id;

/** Address books follow User.orders and User.cart: the user is public, so FORBIDDEN hides nothing. */
function addressBookOf(u: UserRecord, ctx: Context) {
  if (!mayReadPrivate(u, ctx)) throw new ForbiddenError('You may only read your own addresses');
  return ctx.loaders.addresses.load(u.id);
}

export const User: UserResolvers = {
  __resolveReference: (ref, ctx) => {
    const id = tryParseIntId(ref.id);
    return id === null ? null : ctx.loaders.user.load(id);
  },
  id: (u) => String(u.id),
  // Other shoppers see a reviewer's name, never their address.
  email: (u, _args, ctx) => (mayReadPrivate(u, ctx) ? u.email : null),
  addresses: (u, _args, ctx) => addressBookOf(u, ctx),
  defaultShippingAddress: async (u, _args, ctx) => (await addressBookOf(u, ctx)).find((a) => a.isDefaultShipping) ?? null,
  status: (u, _args, ctx) => (mayReadPrivate(u, ctx) ? u.status : null),
  emailVerified: (u, _args, ctx) => (mayReadPrivate(u, ctx) ? u.emailVerifiedAt !== null : null),
  phone: (u, _args, ctx) => (mayReadPrivate(u, ctx) ? u.phone : null),
  notificationPreferences: (u, _args, ctx) =>
    ctx.preferences.list(ctx.signedInUserId === u.id ? { kind: 'user', userId: u.id, role: u.role } : ctx.caller, u.id),
};
