import type { Dimensions, NormalizedAddress, ServiceClient, TaxCategory } from '@commerce/common';

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
  /** The product's return window when reserved, in calendar days; null: not returnable. */
  returnWindowDays: number | null;
}

export type Reservation = { ok: true; lines: ReservedLine[] } | { ok: false; failureReason: string; failedProductIds: number[] };

/** The cart subgraph, owner of carts: reads a user's cart, takes ordered lines out of it. */
export class CartClient {
  constructor(private readonly client: ServiceClient) {}

  /** The user's cart: its id and lines (null id: the user never had a cart). */
  async cartOf(userId: number): Promise<{ cartId: string | null; lines: CartLine[] }> {
    const data = await this.client.request<{
      _entities: ({
        cart: {
          id: string;
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
          ... on User { cart { id items { product { id } quantity unitPrice { amount currencyCode } discountBasisPoints } } }
        }
      }`,
      { representations: [{ __typename: 'User', id: String(userId) }] },
    );
    const cart = data._entities[0]?.cart;
    const lines = (cart?.items ?? []).map((i) => ({
      productId: Number(i.product.id),
      quantity: i.quantity,
      unitPriceCents: i.unitPrice.amount,
      discountBasisPoints: i.discountBasisPoints,
      currencyCode: i.unitPrice.currencyCode,
    }));
    return { cartId: cart?.id ?? null, lines };
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
          lines { productId title quantity unitPriceCents discountBasisPoints currencyCode returnWindowDays }
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

  /** Puts an approved return's units back in stock (RETURN movements). Idempotent by returnId. */
  async restockReturn(returnId: string, orderId: string, lines: readonly { productId: number; quantity: number }[]): Promise<void> {
    await this.client.request(
      `mutation RestockReturn($returnId: ID!, $orderId: ID!, $lines: [StockLineInput!]!) {
        restockReturn(returnId: $returnId, orderId: $orderId, lines: $lines)
      }`,
      { returnId, orderId, lines: lines.map((l) => ({ productId: String(l.productId), quantity: l.quantity })) },
    );
  }
}

/** What pricing needs of a product (product subgraph's shipping data): kg, cm, business days, tax category, category path. */
export interface ProductShippingData {
  productId: number;
  weightKg: number;
  dimensions: Dimensions;
  handlingDays: number;
  taxCategory: TaxCategory;
  categoryPath: string[];
}

/** The product subgraph, owner of weights, dimensions and categories: reads them in one `_entities` call. */
export class ProductClient {
  constructor(private readonly client: ServiceClient) {}

  /** Shipping data of the products, keyed by id; an unknown product is missing from the map. */
  async shippingDataOf(productIds: readonly number[]): Promise<Map<number, ProductShippingData>> {
    if (productIds.length === 0) return new Map();
    const data = await this.client.request<{
      _entities: ({
        id: string;
        weight: number;
        dimensions: Dimensions;
        handlingDays: number;
        taxCategory: TaxCategory;
        categoryPath: string[];
      } | null)[];
    }>(
      `query ProductShippingData($representations: [_Any!]!) {
        _entities(representations: $representations) {
          ... on Product { id weight dimensions { width height depth } handlingDays taxCategory categoryPath }
        }
      }`,
      { representations: productIds.map((id) => ({ __typename: 'Product', id: String(id) })) },
    );
    const found = data._entities.filter((p): p is NonNullable<typeof p> => p !== null);
    return new Map(
      found.map((p) => [
        Number(p.id),
        {
          productId: Number(p.id),
          weightKg: p.weight,
          dimensions: p.dimensions,
          handlingDays: p.handlingDays,
          taxCategory: p.taxCategory,
          categoryPath: p.categoryPath,
        },
      ]),
    );
  }
}

/** A postal address as the user subgraph keeps it (normalized: upper-case alpha-2 country, US state code). */
export type ShippingAddress = NormalizedAddress;

const ADDRESS_FIELDS = 'userId fullName line1 line2 city region postalCode countryCode phone';
type AddressRow = ShippingAddress & { userId: string };
const toAddress = ({ userId: _owner, ...a }: AddressRow): ShippingAddress => a;

/** The user subgraph, owner of addresses: reads one by id (with its owner) or a user's default, as a service caller. */
export class UserClient {
  constructor(private readonly client: ServiceClient) {}

  /** The address `id` when `userId` owns it; null otherwise (someone else's is as good as missing). */
  async addressOf(userId: number, id: string): Promise<ShippingAddress | null> {
    const { address } = await this.client.request<{ address: AddressRow | null }>(
      `query ShippingAddress($id: ID!) { address(id: $id) { ${ADDRESS_FIELDS} } }`,
      { id },
    );
    return address && Number(address.userId) === userId ? toAddress(address) : null;
  }

  /** The user's default shipping address, if they set one. */
  async defaultAddressOf(userId: number): Promise<ShippingAddress | null> {
    const data = await this.client.request<{ _entities: ({ defaultShippingAddress: AddressRow | null } | null)[] }>(
      `query DefaultShippingAddress($representations: [_Any!]!) {
        _entities(representations: $representations) { ... on User { defaultShippingAddress { ${ADDRESS_FIELDS} } } }
      }`,
      { representations: [{ __typename: 'User', id: String(userId) }] },
    );
    const address = data._entities[0]?.defaultShippingAddress;
    return address && Number(address.userId) === userId ? toAddress(address) : null;
  }

  /** The user's email as the user subgraph stores it (NFKC, lower case); null for an unknown user. */
  async emailOf(userId: number): Promise<string | null> {
    const data = await this.client.request<{ _entities: ({ email: string | null } | null)[] }>(
      'query CustomerEmail($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { email } } }',
      { representations: [{ __typename: 'User', id: String(userId) }] },
    );
    return data._entities[0]?.email ?? null;
  }
}
