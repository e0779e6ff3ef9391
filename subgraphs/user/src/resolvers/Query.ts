import type { QueryResolvers } from '../__generated__/resolvers-types';

export const Query: QueryResolvers = {
  me: (_parent, _args, ctx) => (ctx.caller.kind === 'user' ? ctx.loaders.user.load(ctx.caller.userId) : null),
  webhookEndpoints: (_parent, _args, ctx) => ctx.webhookEndpoints.list(ctx.caller),
  address: (_parent, { id }, ctx) => ctx.addressBook.find(ctx.caller, id),
  users: (_parent, { filter, first, after }, ctx) => ctx.userAdmin.list(ctx.caller, filter ?? {}, first, after),
};
