import { basisPointsToPercent, money, tryParseIntId } from '@commerce/common';
import type { ProductResolvers } from '../__generated__/resolvers-types';
import { handlingDays, returnWindowDays, taxCategoryOf } from '../services/fulfilment-terms';

/** Below this many units a product shows as LOW_STOCK. */
const LOW_STOCK_THRESHOLD = 10;

export const Product: ProductResolvers = {
  __resolveReference: (ref, ctx) => {
    const id = tryParseIntId(ref.id);
    return id === null ? null : ctx.loaders.product.load(id);
  },
  id: (p) => String(p.id),
  category: async (p, _args, ctx) => {
    const category = await ctx.loaders.category.load(p.categoryId);
    if (!category) throw new Error(`product ${p.id} has no category ${p.categoryId}`);
    return category;
  },
  price: (p) => money(p.priceCents, p.currencyCode),
  discountPercentage: (p) => basisPointsToPercent(p.discountBasisPoints),
  // Kept equal to lineTotal(priceCents, 1, discount) by the catalog services and a CHECK constraint.
  salePrice: (p) => money(p.salePriceCents, p.currencyCode),
  archived: (p) => p.archivedAt !== null,
  weight: (p) => p.weightKg,
  dimensions: (p) => ({ width: p.widthCm, height: p.heightCm, depth: p.depthCm }),
  handlingDays: (p) => handlingDays(p.shippingInformation),
  returnWindowDays: (p) => returnWindowDays(p.returnPolicy),
  categoryPath: (p, _args, ctx) => ctx.loaders.categoryPath.load(p.categoryId),
  taxCategory: async (p, _args, ctx) => taxCategoryOf(await ctx.loaders.categoryPath.load(p.categoryId)),
  availabilityStatus: (p) => (p.stock === 0 ? 'OUT_OF_STOCK' : p.stock < LOW_STOCK_THRESHOLD ? 'LOW_STOCK' : 'IN_STOCK'),
};
