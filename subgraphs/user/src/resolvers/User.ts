import { canActFor, tryParseIntId } from '@commerce/common';
import type { UserResolvers } from '../__generated__/resolvers-types';

export const User: UserResolvers = {
  __resolveReference: (ref, ctx) => {
    const id = tryParseIntId(ref.id);
    return id === null ? null : ctx.loaders.user.load(id);
  },
  id: (u) => String(u.id),
  // Other shoppers see a reviewer's name, never their address.
  email: (u, _args, ctx) => (canActFor(ctx.caller, u.id) || ctx.signedInUserId === u.id ? u.email : null),
};
