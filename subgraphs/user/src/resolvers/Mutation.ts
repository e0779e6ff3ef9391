import type { MutationResolvers } from '../__generated__/resolvers-types';

export const Mutation: MutationResolvers = {
  login: (_parent, { username, password }, ctx) => ctx.auth.login(username, password),
  register: (_parent, { input }, ctx) => ctx.auth.register(input),
  refreshToken: (_parent, { token }, ctx) => ctx.auth.refresh(token),
  logout: (_parent, { refreshToken }, ctx) => ctx.auth.logout(ctx.caller.kind === 'user' ? ctx.caller.userId : null, refreshToken),
};
