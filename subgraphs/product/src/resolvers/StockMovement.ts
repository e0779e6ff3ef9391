import type { StockMovementResolvers } from '../__generated__/resolvers-types';

export const StockMovement: StockMovementResolvers = {
  id: (m) => String(m.id),
  actorId: (m) => (m.actorId === null ? null : String(m.actorId)),
  createdAt: (m) => m.createdAt.toISOString(),
};
