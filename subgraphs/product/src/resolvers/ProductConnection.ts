import type { ProductConnectionResolvers } from '../__generated__/resolvers-types';

export const ProductConnection: ProductConnectionResolvers = {
  totalCount: (page) => page.totalCount(),
};
