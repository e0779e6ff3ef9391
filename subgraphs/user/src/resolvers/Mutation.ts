import type { MutationResolvers } from '../__generated__/resolvers-types';
import type { Context } from '../context';
import type { UserRecord } from '../db';
import type { AuthResult } from '../services/auth.service';

// The payload's user is the one who just proved who they are (a password, a verification link), although the request was anonymous.
const signedIn =
  (ctx: Context) =>
  <R extends AuthResult | UserRecord>(result: R): R => {
    ctx.signedInUserId = 'user' in result ? result.user.id : result.id;
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
    ctx.auth.changePassword(ctx.caller, currentPassword, newPassword, ctx.clientIp),
  addAddress: (_parent, { input }, ctx) => ctx.addressBook.add(ctx.caller, input),
  updateAddress: (_parent, { id, input }, ctx) => ctx.addressBook.update(ctx.caller, id, input),
  removeAddress: (_parent, { id }, ctx) => ctx.addressBook.remove(ctx.caller, id),
  requestEmailVerification: (_parent, _args, ctx) => ctx.account.requestEmailVerification(ctx.caller),
  verifyEmail: (_parent, { token }, ctx) => ctx.account.verifyEmail(ctx.caller, token).then(signedIn(ctx)),
  requestPasswordReset: (_parent, { email }, ctx) => ctx.account.requestPasswordReset(email, ctx.clientIp),
  resetPassword: (_parent, { token, newPassword }, ctx) => ctx.account.resetPassword(token, newPassword),
  setUserRole: (_parent, { userId, role }, ctx) => ctx.userAdmin.setRole(ctx.caller, userId, role),
  suspendUser: (_parent, { userId }, ctx) => ctx.userAdmin.suspend(ctx.caller, userId),
  reactivateUser: (_parent, { userId }, ctx) => ctx.userAdmin.reactivate(ctx.caller, userId),
  setNotificationPreferences: (_parent, { preferences }, ctx) => ctx.preferences.set(ctx.caller, preferences),
  setPhoneNumber: (_parent, { phone }, ctx) => ctx.account.setPhoneNumber(ctx.caller, phone),
};
