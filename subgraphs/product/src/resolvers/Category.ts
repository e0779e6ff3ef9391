import { tryParseIntId } from '@commerce/common';
import type { CategoryResolvers } from '../__generated__/resolvers-types';

export const Category: CategoryResolvers = {
  __resolveReference: (ref, ctx) => {
    const id = tryParseIntId(ref.id);
    return id === null ? null : ctx.loaders.category.load(id);
  },
  id: (c) => String(c.id),
};
