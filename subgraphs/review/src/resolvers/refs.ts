import { parseIntId, type EntityRef } from '@commerce/common';

// Product and User here are references: every field this subgraph serves on them reads only `id`.

/**
 * The integer key of a Product or User parent (validated by __resolveReference, or built by the refs above).
 * @throws BadUserInputError when it is not a positive integer.
 */
export const entityId = (parent: EntityRef, entity: 'product' | 'user'): number => parseIntId(parent.id, entity);
