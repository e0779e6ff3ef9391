import type { ServiceClient } from '@commerce/common';

/** The product subgraph as the review subgraph asks it (through its API, never its database). */
export class ProductClient {
  constructor(private readonly client: ServiceClient) {}

  /**
   * Whether `productId` is a product that can be reviewed: it exists and is not archived.
   * @throws ServiceCallError when the product subgraph cannot be reached.
   */
  async isReviewable(productId: number): Promise<boolean> {
    const data = await this.client.request<{ product: { archived: boolean } | null }>(
      'query ReviewableProduct($id: ID!) { product(id: $id) { archived } }',
      { id: String(productId) },
    );
    return data.product !== null && !data.product.archived;
  }
}
