import { quote, type DeliveryEstimate, type Quote, type QuoteLine, type ShippingRate } from '@commerce/common';
import type { OrderRecord, OrderWithItems, Prisma } from '../db';
import type { ProductShippingData, ReservedLine, ShippingAddress } from './clients';
import { termsOfSnapshot, type CouponSnapshot } from './coupons';
import type { NewOrderItem, Repricing } from './order.repository';

/** A cart line's prices (cents, bp). */
export interface LinePrice {
  productId: number;
  quantity: number;
  unitPriceCents: number;
  discountBasisPoints: number;
}

/**
 * A line to price from its prices and its product's shipping data. A product the product subgraph
 * does not know weighs nothing here; the saga then fails the order with PRODUCT_NOT_FOUND.
 */
export function quoteLineOf(line: LinePrice, data: Omit<ProductShippingData, 'productId'> | undefined): QuoteLine {
  return {
    productId: line.productId,
    quantity: line.quantity,
    unitPriceCents: line.unitPriceCents,
    discountBasisPoints: line.discountBasisPoints,
    weightKg: data?.weightKg ?? 0,
    dimensions: data?.dimensions ?? { width: 0, height: 0, depth: 0 },
    handlingDays: data?.handlingDays ?? 0,
    taxCategory: data?.taxCategory ?? 'STANDARD',
    categoryPath: data?.categoryPath ?? [],
  };
}

/** The order's items from its quote: prices, coupon share, tax and the shipping data they were priced with. */
export function itemsOf(q: Quote, lines: readonly QuoteLine[]): NewOrderItem[] {
  return q.lines.map((priced, i) => {
    const line = lines[i]!;
    return {
      productId: priced.productId,
      quantity: priced.quantity,
      unitPriceCents: priced.unitPriceCents,
      discountBasisPoints: priced.discountBasisPoints,
      lineTotalCents: priced.lineTotalCents,
      discountCents: priced.discountCents,
      taxCents: priced.taxCents,
      weightKg: line.weightKg,
      widthCm: line.dimensions.width,
      heightCm: line.dimensions.height,
      depthCm: line.dimensions.depth,
      handlingDays: line.handlingDays,
      taxCategory: line.taxCategory,
      categoryPath: [...line.categoryPath],
    };
  });
}

const json = (v: unknown) => v as Prisma.InputJsonValue;

/** The snapshot columns of a new order: address, method, rate, estimate, coupon (JSON copies). */
export function snapshotOf(q: Quote, address: ShippingAddress | null, coupon: CouponSnapshot | null) {
  return {
    shippingAddress: address ? json(address) : undefined,
    shippingMethod: q.shipping?.method ?? null,
    shippingRate: q.shipping ? json(q.shipping.rate) : undefined,
    estimate: q.estimate ? json(q.estimate) : undefined,
    couponCode: coupon?.code ?? null,
    couponTerms: coupon ? json(coupon) : undefined,
  };
}

export const addressOfOrder = (o: Pick<OrderRecord, 'shippingAddress'>) => (o.shippingAddress as unknown as ShippingAddress | null) ?? null;
export const estimateOfOrder = (o: Pick<OrderRecord, 'estimate'>) => (o.estimate as unknown as DeliveryEstimate | null) ?? null;

/**
 * The order priced again with the final unit prices of its stock reservation, and everything else
 * as at checkout: the items' shipping data, the address, the rate it was quoted at, the coupon's
 * terms (its conditions were checked then) and the estimate's start (the order's creation).
 */
export function repriceOrder(order: OrderWithItems, reserved: readonly ReservedLine[]): Repricing {
  const items = new Map(order.items.map((i) => [i.productId, i]));
  const lines = reserved.map((r) => {
    const item = items.get(r.productId);
    return quoteLineOf(
      r,
      item && {
        weightKg: item.weightKg,
        dimensions: { width: item.widthCm, height: item.heightCm, depth: item.depthCm },
        handlingDays: item.handlingDays,
        taxCategory: item.taxCategory,
        categoryPath: item.categoryPath,
      },
    );
  });
  const address = addressOfOrder(order);
  const rate = order.shippingRate as unknown as ShippingRate | null;
  const coupon = order.couponTerms as unknown as CouponSnapshot | null;
  const q = quote({
    lines,
    destination: address && rate ? { countryCode: address.countryCode, region: address.region } : null,
    method: order.shippingMethod ?? 'STANDARD',
    rates: rate ? [rate] : [],
    coupon: coupon ? termsOfSnapshot(coupon) : null,
    now: order.createdAt,
  });
  return {
    quote: q,
    titles: new Map(reserved.map((r) => [r.productId, r.title])),
    returnWindowDays: new Map(reserved.map((r) => [r.productId, r.returnWindowDays])),
  };
}
