import {
  normalizeDestination,
  quote,
  requireUser,
  shippingOptions,
  type AddressInput,
  type Caller,
  type DeliveryEstimate,
  type Quote,
  type QuotedLine,
  type ShippingQuote,
  type TaxLine,
} from '@commerce/common';
import type { CouponRecord, ShippingMethod } from '../db';
import type { CartClient, ProductClient, ShippingAddress } from './clients';
import { termsOf, type CouponService } from './coupons';
import { quoteLineOf } from './order-pricing';
import type { ShippingRates } from './rates';
import type { ShippingAddresses } from './shipping-address';

/** A cart as the gateway hands it to the order subgraph: its id, and its lines with the fields `@requires` asks for. */
export interface CartRepresentation {
  id: string;
  items?: {
    quantity: number;
    unitPrice: { amount: number; currencyCode: string };
    discountBasisPoints: number;
    product: {
      id: string;
      weight: number;
      dimensions: { width: number; height: number; depth: number };
      handlingDays: number;
      taxCategory: 'STANDARD' | 'REDUCED';
      categoryPath: string[];
    };
  }[];
}

/** Views the resolvers render: pricing results with the cart's currency. */
export type QuoteView = Quote & { currencyCode: string };
export type ShippingOptionView = { shipping: ShippingQuote; estimate: DeliveryEstimate; currencyCode: string };
export type TaxLineView = TaxLine & { currencyCode: string };
export type QuotedLineView = QuotedLine & { currencyCode: string };

const linesOf = (cart: CartRepresentation) =>
  (cart.items ?? []).map((i) =>
    quoteLineOf(
      {
        productId: Number(i.product.id),
        quantity: i.quantity,
        unitPriceCents: i.unitPrice.amount,
        discountBasisPoints: i.discountBasisPoints,
      },
      {
        weightKg: i.product.weight,
        dimensions: i.product.dimensions,
        handlingDays: i.product.handlingDays,
        taxCategory: i.product.taxCategory,
        categoryPath: i.product.categoryPath,
      },
    ),
  );
const currencyOf = (cart: CartRepresentation) => cart.items?.[0]?.unitPrice.currencyCode ?? 'USD';

/**
 * The cart priced by the order subgraph (owner of coupons and rates) with the same pricing module
 * as checkout: the applied coupon, shipping options, the quote. Lines and product data come in the
 * representation (`@requires`), so a quote costs a fixed number of statements here (coupon, its
 * usage by the customer, rates) and one address read from the user subgraph, whatever the lines.
 */
export class CartPricing {
  constructor(
    private readonly coupons: CouponService,
    private readonly rates: ShippingRates,
    private readonly addresses: ShippingAddresses,
    private readonly carts: CartClient,
    private readonly products: ProductClient,
  ) {}

  async couponCode(cart: CartRepresentation): Promise<string | null> {
    return (await this.coupons.appliedTo(cart.id))?.code ?? null;
  }

  /**
   * Applies a coupon to the signed-in user's cart.
   * @returns the cart's reference (the gateway reads the rest from the cart subgraph).
   * @throws CouponError with the reason it does not apply.
   */
  async applyCoupon(caller: Caller, code: string): Promise<{ id: string }> {
    const { userId } = requireUser(caller);
    const { cartId, lines } = await this.carts.cartOf(userId);
    if (!cartId) throw new Error('the cart subgraph returned no cart');
    const data = await this.products.shippingDataOf(lines.map((l) => l.productId));
    const priced = quote({ lines: lines.map((l) => quoteLineOf(l, data.get(l.productId))), rates: [], now: new Date() });
    const couponLines = priced.lines.map((l) => ({ ...l, categoryPath: data.get(l.productId)?.categoryPath ?? [] }));
    await this.coupons.apply(cartId, userId, code, couponLines, new Date());
    return { id: cartId };
  }

  /** Removes the coupon from the signed-in user's cart. */
  async removeCoupon(caller: Caller): Promise<{ id: string }> {
    const { userId } = requireUser(caller);
    const { cartId } = await this.carts.cartOf(userId);
    if (!cartId) throw new Error('the cart subgraph returned no cart');
    await this.coupons.remove(cartId);
    return { id: cartId };
  }

  /**
   * Both methods' price and estimate to a country (and US state), with the applied coupon.
   * @throws BadUserInputError naming countryCode or region.
   */
  async shippingOptions(
    caller: Caller,
    cart: CartRepresentation,
    countryCode: string,
    region?: string | null,
  ): Promise<ShippingOptionView[]> {
    const destination = normalizeDestination(countryCode, region);
    const [coupon, rates] = await Promise.all([this.couponFor(caller, cart), this.rates.list()]);
    const options = shippingOptions({ lines: linesOf(cart), destination, rates, ...coupon, now: new Date() });
    return options.map((o) => ({ ...o, currencyCode: currencyOf(cart) }));
  }

  /**
   * What checking out would charge, to a saved address of the caller, an inline address, or nowhere.
   * @throws BadUserInputError for both address inputs or an invalid one (field named); NotFoundError
   *   for an address that is not the caller's.
   */
  async quote(
    caller: Caller,
    cart: CartRepresentation,
    args: { shippingAddressId?: string | null; address?: AddressInput | null; method?: ShippingMethod | null },
  ): Promise<QuoteView> {
    const inline = this.addresses.inline({ shippingAddressId: args.shippingAddressId, shippingAddress: args.address }, 'address');
    let address: ShippingAddress | null = inline;
    if (args.shippingAddressId) address = await this.addresses.saved(requireUser(caller).userId, args.shippingAddressId);
    const [coupon, rates] = await Promise.all([this.couponFor(caller, cart), address ? this.rates.list() : Promise.resolve([])]);
    const q = quote({ lines: linesOf(cart), destination: address, method: args.method ?? 'STANDARD', rates, ...coupon, now: new Date() });
    return { ...q, currencyCode: currencyOf(cart) };
  }

  // The applied coupon with its usage by the customer (the saga takes the redemption at checkout).
  private async couponFor(caller: Caller, cart: CartRepresentation) {
    const coupon: CouponRecord | null = await this.coupons.appliedTo(cart.id);
    if (!coupon) return { coupon: null };
    const usage = caller.kind === 'user' ? await this.coupons.usage(coupon, caller.userId) : null;
    return { coupon: termsOf(coupon), couponUsage: usage };
  }
}
