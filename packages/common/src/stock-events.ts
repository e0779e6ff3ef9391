import type { Redis } from 'ioredis';

/**
 * A product's stock level changed (checkout reservation, release, cancellation or an admin
 * adjustment). Published on Redis pub/sub after the change has committed; `stock` is the level
 * after the change, so a subscriber never has to read the product subgraph to show "3 left".
 */
export interface ProductStockEvent {
  productId: string;
  stock: number;
  occurredAt: string;
}

export const productStockChannel = (prefix: string) => `${prefix}:events:product-stock`;

/** Publishes a stock change to every gateway instance. */
export async function publishProductStockEvent(redis: Redis, prefix: string, event: ProductStockEvent): Promise<void> {
  await redis.publish(productStockChannel(prefix), JSON.stringify(event));
}
