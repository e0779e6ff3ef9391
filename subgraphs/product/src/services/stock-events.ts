import { publishProductStockEvent, type Logger, type Redis } from '@commerce/common';

/** A product's stock level after a committed change. */
export interface StockLevel {
  productId: number;
  stock: number;
}

/**
 * Publishes `productStockChanged` events (packages/common stock-events.ts) after a stock change has
 * committed. Publishing is best effort: the change stands even when Redis is down, so a failure is
 * logged, never thrown into the mutation or reservation that caused it.
 */
export class StockEventPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  async published(levels: readonly StockLevel[]): Promise<void> {
    const occurredAt = new Date().toISOString();
    await Promise.all(
      levels.map(async ({ productId, stock }) => {
        try {
          await publishProductStockEvent(this.redis, this.prefix, { productId: String(productId), stock, occurredAt });
        } catch (err) {
          this.logger.warn({ err, productId, stock }, 'could not publish a stock event');
        }
      }),
    );
  }
}
