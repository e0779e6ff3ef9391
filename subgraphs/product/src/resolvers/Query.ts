import { parseIntId, tryParseIntId } from '@commerce/common';
import type { QueryResolvers } from '../__generated__/resolvers-types';

export const Query: QueryResolvers = {
  products: (_parent, args, ctx) => ctx.catalog.productPage(args),
  product: (_parent, { id }, ctx) => {
    const productId = tryParseIntId(id);
    return productId === null ? null : ctx.loaders.product.load(productId);
  },
  categories: (_parent, { topLevel }, ctx) => ctx.catalog.categories(topLevel ?? false),
  category: (_parent, { slug }, ctx) => ctx.catalog.categoryBySlug(slug),
  stockMovements: (_parent, { productId, first, after }, ctx) =>
    ctx.admin.stockMovements(ctx.caller, parseIntId(productId, 'product'), { first, after }),
};
