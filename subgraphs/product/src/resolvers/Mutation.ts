import { parseIntId } from '@commerce/common';
import type { MutationResolvers } from '../__generated__/resolvers-types';
import type { StockLine } from '../services/inventory.service';

const stockLines = (lines: readonly { productId: string; quantity: number }[]): StockLine[] =>
  lines.map((l) => ({ productId: parseIntId(l.productId, 'product'), quantity: l.quantity }));

export const Mutation: MutationResolvers = {
  createProduct: (_parent, { input }, ctx) => ctx.admin.create(ctx.caller, input),
  updateProduct: (_parent, { id, input }, ctx) => ctx.admin.update(ctx.caller, parseIntId(id, 'product'), input),
  archiveProduct: (_parent, { id }, ctx) => ctx.admin.setArchived(ctx.caller, parseIntId(id, 'product'), true),
  restoreProduct: (_parent, { id }, ctx) => ctx.admin.setArchived(ctx.caller, parseIntId(id, 'product'), false),
  adjustStock: (_parent, { productId, delta, reason }, ctx) =>
    ctx.admin.adjustStock(ctx.caller, parseIntId(productId, 'product'), delta, reason),
  reserveStock: async (_parent, { orderId, lines }, ctx) => {
    const result = await ctx.inventory.reserve(ctx.caller, orderId, stockLines(lines));
    return result.ok
      ? { ok: true, failureReason: null, failedProductIds: [], lines: result.lines }
      : { ok: false, failureReason: result.failureReason, failedProductIds: result.failedProductIds, lines: [] };
  },
  releaseStock: (_parent, { orderId }, ctx) => ctx.inventory.release(ctx.caller, orderId),
  restockReturn: (_parent, { returnId, orderId, lines }, ctx) => ctx.inventory.restockReturn(ctx.caller, returnId, orderId, stockLines(lines)),
};
