import { parseIntId, requireAdmin, requireService, type Caller } from '@commerce/common';
import type { MutationResolvers } from '../__generated__/resolvers-types';

/** The signed-in admin's user id. @throws UnauthenticatedError, ForbiddenError */
const catalogAdmin = (caller: Caller): number => requireAdmin(caller, 'Only admins manage the catalog').userId;

export const Mutation: MutationResolvers = {
  createProduct: (_parent, { input }, ctx) => ctx.admin.create(input, catalogAdmin(ctx.caller)),
  updateProduct: (_parent, { id, input }, ctx) => {
    catalogAdmin(ctx.caller);
    return ctx.admin.update(parseIntId(id, 'product'), input);
  },
  archiveProduct: (_parent, { id }, ctx) => {
    catalogAdmin(ctx.caller);
    return ctx.admin.setArchived(parseIntId(id, 'product'), true);
  },
  restoreProduct: (_parent, { id }, ctx) => {
    catalogAdmin(ctx.caller);
    return ctx.admin.setArchived(parseIntId(id, 'product'), false);
  },
  adjustStock: (_parent, { productId, delta, reason }, ctx) =>
    ctx.admin.adjustStock(parseIntId(productId, 'product'), delta, reason, catalogAdmin(ctx.caller)),
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
  restockReturn: (_parent, { returnId, orderId, lines }, ctx) => {
    requireService(ctx.caller);
    return ctx.inventory.restockReturn(
      returnId,
      orderId,
      lines.map((l) => ({ productId: parseIntId(l.productId, 'product'), quantity: l.quantity })),
    );
  },
};
