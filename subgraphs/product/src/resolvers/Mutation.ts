import { parseIntId, requireService } from '@commerce/common';
import type { MutationResolvers } from '../__generated__/resolvers-types';

export const Mutation: MutationResolvers = {
  reserveStock: async (_parent, { orderId, lines }, ctx) => {
    requireService(ctx.caller);
    const result = await ctx.inventory.reserve(
      orderId,
      lines.map((l) => ({ productId: parseIntId(l.productId, 'product'), quantity: l.quantity })),
    );
    return result.ok
      ? { ok: true, failureReason: null, failedProductIds: [], lines: result.lines }
      : { ok: false, failureReason: result.failureReason, failedProductIds: result.failedProductIds, lines: [] };
  },
  releaseStock: (_parent, { orderId }, ctx) => {
    requireService(ctx.caller);
    return ctx.inventory.release(orderId);
  },
};
