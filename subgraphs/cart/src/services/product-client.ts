import type { ServiceClient } from '@commerce/common';

/** What the cart needs to know of a product to price a line: cents and basis points. */
export interface ProductPrice {
  id: number;
  priceCents: number;
  discountBasisPoints: number;
  currencyCode: string;
}

/** A product's price and its units in stock (what a guest cart merge caps quantities at). */
export interface ProductSnapshot extends ProductPrice {
  stock: number;
}

/** Reads prices and stock from the product subgraph, their owner, through its `_entities` field. */
export class ProductClient {
  constructor(private readonly client: ServiceClient) {}

  /** The current price of a product, or null when the product does not exist. */
  async price(productId: number): Promise<ProductPrice | null> {
    return (await this.snapshots([productId])).get(productId) ?? null;
  }

  /** Price and stock of each product, in one request, keyed by id; an unknown product is missing from the map. */
  async snapshots(productIds: readonly number[]): Promise<Map<number, ProductSnapshot>> {
    if (productIds.length === 0) return new Map();
    const data = await this.client.request<{
      _entities: ({ id: string; price: { amount: number; currencyCode: string }; discountPercentage: number; stock: number } | null)[];
    }>(
      `query ProductSnapshots($representations: [_Any!]!) {
        _entities(representations: $representations) {
          ... on Product { id price { amount currencyCode } discountPercentage stock }
        }
      }`,
      { representations: productIds.map((id) => ({ __typename: 'Product', id: String(id) })) },
    );
    const found = data._entities.filter((p): p is NonNullable<typeof p> => p !== null);
    return new Map(
      found.map((p) => [
        Number(p.id),
        {
          id: Number(p.id),
          priceCents: p.price.amount,
          // The API shows percent with two decimals; basis points restore the exact integer.
          discountBasisPoints: Math.round(p.discountPercentage * 100),
          currencyCode: p.price.currencyCode,
          stock: p.stock,
        },
      ]),
    );
  }
}
