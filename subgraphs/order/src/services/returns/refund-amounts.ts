import { divideHalfUp, type TaxLine } from '@commerce/common';

/** What an order charged for one line: units, amount after its coupon share and its tax (cents). */
export interface ChargedLine {
  productId: number;
  quantity: number;
  lineTotalCents: number;
  discountCents: number;
  taxCents: number;
}

/** A line of a return: units of one product. */
export interface ReturnedUnits {
  productId: number;
  quantity: number;
}

/** A returned line's refund: the units' share of the line's amount after coupon and of its tax (cents). */
export interface LineRefund {
  productId: number;
  quantity: number;
  amountCents: number;
  taxCents: number;
}

/** What approving a return refunds, in cents. */
export interface ReturnRefund {
  lines: LineRefund[];
  /** Shipping and the tax on it; only when the return completes a full return of the order. */
  shippingCents: number;
  totalCents: number;
}

/** half-up(total × units / quantity): the share of `total` cents that the first `units` of `quantity` carry. */
const shareOf = (totalCents: number, units: number, quantity: number) => divideHalfUp(BigInt(totalCents) * BigInt(units), BigInt(quantity));

/**
 * The refund of a return (issue 11 item 5): for each returned line, its units' share of what the
 * order charged for the line (line total after its coupon share) plus the same share of its tax;
 * shipping and its tax only when this return, with the ones approved before it, returns every unit
 * of the order. Shares are cumulative, half-up(amount × units returned so far / quantity) minus the
 * same for the units returned before, so returns of a line one unit at a time add up to exactly
 * what it charged and no cent is refunded twice.
 * @param previous units of each product already in approved returns of the order.
 * @throws RangeError for a product the order does not have, or more units than it has left.
 */
export function returnRefund(
  items: readonly ChargedLine[],
  taxLines: readonly TaxLine[],
  shippingTotalCents: number,
  previous: ReadonlyMap<number, number>,
  returned: readonly ReturnedUnits[],
): ReturnRefund {
  const byProduct = new Map(items.map((i) => [i.productId, i]));
  const lines = returned.map(({ productId, quantity }) => {
    const item = byProduct.get(productId);
    if (!item) throw new RangeError(`the order has no product ${productId}`);
    const before = previous.get(productId) ?? 0;
    const after = before + quantity;
    if (after > item.quantity) throw new RangeError(`product ${productId}: ${after} of ${item.quantity} units returned`);
    const net = item.lineTotalCents - item.discountCents;
    return {
      productId,
      quantity,
      amountCents: shareOf(net, after, item.quantity) - shareOf(net, before, item.quantity),
      taxCents: shareOf(item.taxCents, after, item.quantity) - shareOf(item.taxCents, before, item.quantity),
    };
  });
  const returnedNow = new Map(returned.map((r) => [r.productId, r.quantity]));
  const full = items.every((i) => (previous.get(i.productId) ?? 0) + (returnedNow.get(i.productId) ?? 0) === i.quantity);
  const shippingTax = taxLines.filter((t) => t.kind === 'SHIPPING').reduce((sum, t) => sum + t.taxCents, 0);
  const shippingCents = full ? shippingTotalCents + shippingTax : 0;
  const totalCents = lines.reduce((sum, l) => sum + l.amountCents + l.taxCents, 0) + shippingCents;
  return { lines, shippingCents, totalCents };
}
