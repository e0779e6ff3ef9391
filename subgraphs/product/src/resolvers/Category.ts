import { tryParseIntId } from '@commerce/common';
import type { CategoryResolvers } from '../__generated__/resolvers-types';

export const Category: CategoryResolvers = {
  __resolveReference: (ref, ctx) => {
    const id = tryParseIntId(ref.id);
    return id === null ? null : ctx.loaders.category.load(id);
  },
  id: (c) => String(c.id),
  parent: (c, _args, ctx) => (c.parentId === null ? null : ctx.loaders.category.load(c.parentId)),
  children: (c, _args, ctx) => ctx.loaders.categoryChildren.load(c.id),
  products: (c, { first, after, filter, sort }, ctx) => ctx.loaders.categoryProducts({ first, after, filter, sort }).load(c.id),
};
