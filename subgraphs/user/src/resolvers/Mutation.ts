import { requireUser } from '@commerce/common';
import type { MutationResolvers } from '../__generated__/resolvers-types';
import type { Context } from '../context';
import type { AuthResult } from '../services/auth.service';

// The payload's user is the one who just proved who they are, although the request was anonymous.
const signedIn = (ctx: Context) => (result: AuthResult) => {
  ctx.signedInUserId = result.user.id;
  return result;
};

// Signing in with a guest's X-Cart-Token merges that cart before the payload answers (issue 11).
const mergeGuestCart = (ctx: Context) => async (result: AuthResult) => {
  ctx.guestCartMerged = ctx.cartToken ? await ctx.guestCartMerge.afterSignIn(result.user.id, ctx.cartToken) : false;
  return result;
};

export const Mutation: MutationResolvers = {
  login: (_parent, { username, password }, ctx) =>
    ctx.auth.login(username, password, ctx.clientIp).then(signedIn(ctx)).then(mergeGuestCart(ctx)),
  register: (_parent, { input }, ctx) => ctx.auth.register(input).then(signedIn(ctx)).then(mergeGuestCart(ctx)),
  refreshToken: (_parent, { token }, ctx) => ctx.auth.refresh(token).then(signedIn(ctx)),
  logout: (_parent, { refreshToken }, ctx) => ctx.auth.logout(ctx.caller.kind === 'user' ? ctx.caller.userId : null, refreshToken),
  registerWebhookEndpoint: (_parent, { url, events }, ctx) => ctx.webhookEndpoints.register(ctx.caller, { url, events }),
  deleteWebhookEndpoint: (_parent, { id }, ctx) => ctx.webhookEndpoints.delete(ctx.caller, id),
  changePassword: (_parent, { currentPassword, newPassword }, ctx) =>
    ctx.auth.changePassword(requireUser(ctx.caller).userId, currentPassword, newPassword, ctx.clientIp),
  addAddress: (_parent, { input }, ctx) => ctx.addressBook.add(ctx.caller, input),
  updateAddress: (_parent, { id, input }, ctx) => ctx.addressBook.update(ctx.caller, id, input),
  removeAddress: (_parent, { id }, ctx) => ctx.addressBook.remove(ctx.caller, id),
};
