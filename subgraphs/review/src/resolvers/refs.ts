import { parseIntId } from '@commerce/common';
import type { EntityRef } from '../context';

/** A Product entity reference; the gateway asks the product subgraph for the rest of its fields. */
export const productRef = (productId: number): EntityRef => ({ __typename: 'Product', id: String(productId) });

/** A User entity reference; the gateway asks the user subgraph for the rest of its fields. */
export const userRef = (userId: number): EntityRef => ({ __typename: 'User', id: String(userId) });

/**
 * The integer key of a Product or User parent (validated by __resolveReference, or built by the refs above).
 * @throws BadUserInputError when it is not a positive integer.
 */
export const entityId = (parent: EntityRef, entity: 'product' | 'user'): number => parseIntId(parent.id, entity);
