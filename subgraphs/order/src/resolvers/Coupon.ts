import { money } from '@commerce/common';
import type { CouponResolvers, ShippingRateResolvers } from '../__generated__/resolvers-types';

export const Coupon: CouponResolvers = {
  minSubtotal: (c) => money(c.minSubtotalCents),
  validFrom: (c) => c.validFrom?.toISOString() ?? null,
  validUntil: (c) => c.validUntil?.toISOString() ?? null,
};

export const ShippingRate: ShippingRateResolvers = {
  base: (r) => money(r.baseCents),
  perKg: (r) => money(r.perKgCents),
};
