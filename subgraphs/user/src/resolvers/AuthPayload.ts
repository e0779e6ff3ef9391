import type { AuthPayloadResolvers } from '../__generated__/resolvers-types';

export const AuthPayload: AuthPayloadResolvers = {
  // login/register record the merge in the request's context; nothing else merges.
  guestCartMerged: (_payload, _args, ctx) => ctx.guestCartMerged ?? false,
};
