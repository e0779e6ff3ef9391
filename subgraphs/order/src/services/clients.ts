import type { ServiceClient } from '@commerce/common';

/** A line of the shopper's cart as checkout snapshots it (cents, basis points). */
export interface CartLine {
  productId: number;
  quantity: number;
  unitPriceCents: number;
  discountBasisPoints: number;
  currencyCode: string;
}

/** A line as the product subgraph reserved and priced it. */
export interface ReservedLine {
  productId: number;
  title: string;
  quantity: number;
  unitPriceCents: number;
  discountBasisPoints: number;
  currencyCode: string;
}

export type Reservation = { ok: true; lines: ReservedLine[] } | { ok: false; failureReason: string; failedProductIds: number[] };

/** The cart subgraph, owner of carts: reads a user's cart, takes ordered lines out of it. */
export class CartClient {
  constructor(private readonly client: ServiceClient) {}

  async linesOf(userId: number): Promise<CartLine[]> {
    const data = await this.client.request<{
      _entities: ({
        cart: {
          items: {
            product: { id: string };
            quantity: number;
            unitPrice: { amount: number; currencyCode: string };
            discountBasisPoints: number;
          }[];
        } | null;
      } | null)[];
    }>(
      `query CheckoutCart($representations: [_Any!]!) {
        _entities(representations: $representations) {
          ... on User { cart { items { product { id } quantity unitPrice { amount currencyCode } discountBasisPoints } } }
        }
      }`,
      { representations: [{ __typename: 'User', id: String(userId) }] },
    );
    const items = data._entities[0]?.cart?.items ?? [];
    return items.map((i) => ({
      productId: Number(i.product.id),
      quantity: i.quantity,
      unitPriceCents: i.unitPrice.amount,
      discountBasisPoints: i.discountBasisPoints,
      currencyCode: i.unitPrice.currencyCode,
    }));
  }

  /** Idempotent by orderId. */
  async commitCheckout(userId: number, orderId: string, lines: { productId: number; quantity: number }[]): Promise<void> {
    await this.client.request(
      `mutation CommitCheckout($userId: ID!, $orderId: ID!, $lines: [CartLineInput!]!) {
        commitCheckout(userId: $userId, orderId: $orderId, lines: $lines)
      }`,
      { userId: String(userId), orderId, lines: lines.map((l) => ({ productId: String(l.productId), quantity: l.quantity })) },
    );
  }
}

/** The product subgraph, owner of stock: reserves and releases it, idempotent by order id. */
export class InventoryClient {
  constructor(private readonly client: ServiceClient) {}

  async reserve(orderId: string, lines: { productId: number; quantity: number }[]): Promise<Reservation> {
    const { reserveStock: r } = await this.client.request<{
      reserveStock: {
        ok: boolean;
        failureReason: string | null;
        failedProductIds: string[];
        lines: (Omit<ReservedLine, 'productId'> & { productId: string })[];
      };
    }>(
      `mutation ReserveStock($orderId: ID!, $lines: [StockLineInput!]!) {
        reserveStock(orderId: $orderId, lines: $lines) {
          ok failureReason failedProductIds
          lines { productId title quantity unitPriceCents discountBasisPoints currencyCode }
        }
      }`,
      { orderId, lines: lines.map((l) => ({ productId: String(l.productId), quantity: l.quantity })) },
    );
    return r.ok
      ? { ok: true, lines: r.lines.map((l) => ({ ...l, productId: Number(l.productId) })) }
      : { ok: false, failureReason: r.failureReason ?? 'OUT_OF_STOCK', failedProductIds: r.failedProductIds.map(Number) };
  }

  async release(orderId: string): Promise<void> {
    await this.client.request(`mutation ReleaseStock($orderId: ID!) { releaseStock(orderId: $orderId) }`, { orderId });
  }
}
