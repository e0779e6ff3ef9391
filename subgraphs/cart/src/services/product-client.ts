import type { ServiceClient } from '@commerce/common';

/** What the cart needs to know of a product to price a line: cents and basis points. */
export interface ProductPrice {
  id: number;
  priceCents: number;
  discountBasisPoints: number;
  currencyCode: string;
}

/** Reads prices from the product subgraph, the owner of prices, through its `_entities` field. */
export class ProductClient {
  constructor(private readonly client: ServiceClient) {}

  /** The current price of a product, or null when the product does not exist. */
  async price(productId: number): Promise<ProductPrice | null> {
    const data = await this.client.request<{
      _entities: ({ id: string; price: { amount: number; currencyCode: string }; discountPercentage: number } | null)[];
    }>(
      `query ProductPrice($representations: [_Any!]!) {
        _entities(representations: $representations) {
          ... on Product { id price { amount currencyCode } discountPercentage }
        }
      }`,
      { representations: [{ __typename: 'Product', id: String(productId) }] },
    );
    const product = data._entities[0];
    if (!product) return null;
    return {
      id: Number(product.id),
      priceCents: product.price.amount,
      // The API shows percent with two decimals; basis points restore the exact integer.
      discountBasisPoints: Math.round(product.discountPercentage * 100),
      currencyCode: product.price.currencyCode,
    };
  }
}
