import {
  BadUserInputError,
  NotFoundError,
  SQL_NOW_UTC,
  canActFor,
  requireSelfOrAdmin,
  requireService,
  type Caller,
  isUniqueViolation,
} from '@commerce/common';
import { Prisma, type CartDb, type CartItemRecord } from '../db';
import { hashCartToken } from './cart-token';
import { missingGuestCart, ownerKey, ownerOf, type CartOwner, type Shopper } from './cart-owner';
import type { ProductClient } from './product-client';

const NOW = Prisma.raw(SQL_NOW_UTC);

/** A cart with its line items (prices in cents, discounts in basis points). */
export interface CartView {
  id: string;
  /** Null for a guest cart. */
  userId: number | null;
  /** When a guest cart expires (GUEST_CART_TTL_DAYS after its last change); null for a user cart. */
  expiresAt: Date | null;
  updatedAt: Date;
  items: CartItemRecord[];
}

/** Lines in the order they were first added. */
export const WITH_ITEMS = { items: { orderBy: { createdAt: 'asc' } } } satisfies Prisma.CartInclude;

/** A line an order took from the cart. */
export interface CheckoutLine {
  productId: number;
  quantity: number;
}

/** Most units of one product a cart line may hold. */
export const MAX_LINE_QUANTITY = 99;

/** @throws BadUserInputError for a quantity outside 1..{@link MAX_LINE_QUANTITY}. */
export function assertQuantity(quantity: number): void {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_LINE_QUANTITY) {
    throw new BadUserInputError(`Quantity must be an integer from 1 to ${MAX_LINE_QUANTITY}, got ${quantity}`, { field: 'quantity' });
  }
}

/**
 * The shopper's cart, a signed-in user's or a guest's (by X-Cart-Token): line items with the price
 * each had when it was last changed. Every change to a guest cart pushes its expiry to
 * `guestCartTtlMs` from now.
 */
export class CartService {
  constructor(
    private readonly db: CartDb,
    private readonly products: ProductClient,
    private readonly options: { guestCartTtlMs: number },
  ) {}

  /**
   * The shopper's cart: a user's is created empty on first use, a guest's must exist.
   * @throws UnauthenticatedError without a user or a token; InvalidCartTokenError for a token of no live guest cart.
   */
  async cartOf(shopper: Shopper): Promise<CartView> {
    const owner = ownerOf(shopper);
    if (owner.kind === 'user') return this.cartOfUser(owner.userId);
    const cart = await this.existingCart(owner);
    if (!cart) throw missingGuestCart();
    return cart;
  }

  /**
   * User.cart: the user's cart for the user themself, an admin or a service.
   * @throws ForbiddenError for anyone else (signed out included: the user is public, so it hides nothing).
   */
  cartOfUserFor(caller: Caller, userId: number): Promise<CartView> {
    requireSelfOrAdmin(caller, userId, 'You may only read your own cart');
    return this.cartOfUser(userId);
  }

  /** The user's cart, created empty on first use. */
  async cartOfUser(userId: number): Promise<CartView> {
    // Read first: one statement for a cart that exists (every read but the first), where Prisma's
    // upsert is a transaction of four (select, select, select with the items, and BEGIN/COMMIT).
    const existing = await this.db.cart.findUnique({ where: { userId }, include: WITH_ITEMS });
    if (existing) return existing;
    try {
      return await this.db.cart.upsert({ where: { userId }, create: { userId }, update: {}, include: WITH_ITEMS });
    } catch (err) {
      // Prisma's upsert is select-then-insert: two first reads of one cart in one request (a user
      // reached twice through different reviews) race, and the loser sees the winner's row.
      if (isUniqueViolation(err)) {
        return this.db.cart.findUniqueOrThrow({ where: { userId }, include: WITH_ITEMS });
      }
      throw err;
    }
  }

  /**
   * The cart `id` when the shopper may read it (its user, an admin, a service; for a guest cart, a
   * service or an anonymous shopper with its token); null otherwise.
   */
  async cartFor(shopper: Shopper, id: string): Promise<CartView | null> {
    const cart = await this.db.cart.findUnique({ where: { id }, include: WITH_ITEMS });
    if (!cart) return null;
    if (cart.userId !== null) return canActFor(shopper.caller, cart.userId) ? cart : null;
    if (shopper.caller.kind === 'service') return cart;
    if (shopper.caller.kind !== 'anonymous' || !shopper.cartToken) return null;
    try {
      return hashCartToken(shopper.cartToken) === cart.tokenHash ? cart : null;
    } catch {
      return null;
    }
  }

  /**
   * The owner's cart if there is one (a guest cart past its expiry counts as gone, even before the sweep deletes it).
   * @throws InvalidCartTokenError when a guest's cart is missing (user carts: null).
   */
  private async existingCart(owner: CartOwner): Promise<CartView | null> {
    const cart = await this.db.cart.findUnique({ where: ownerKey(owner), include: WITH_ITEMS });
    if (owner.kind === 'guest' && (!cart || (cart.expiresAt && cart.expiresAt <= new Date()))) throw missingGuestCart();
    return cart;
  }

  /**
   * Adds `quantity` units of a product (adding to a line already there), at the product's current price.
   * @throws BadUserInputError when the quantity or the resulting line is outside 1..99; NotFoundError for an unknown product;
   *   UnauthenticatedError / InvalidCartTokenError as {@link cartOf}.
   */
  async addItem(shopper: Shopper, productId: number, quantity: number): Promise<CartView> {
    assertQuantity(quantity);
    const owner = ownerOf(shopper);
    const price = await this.priceOf(productId);
    // Checked before the cart is created, so a refused request leaves nothing behind.
    const existing = await this.existingCart(owner);
    assertQuantity((existing?.items.find((i) => i.productId === productId)?.quantity ?? 0) + quantity);
    const cart = existing ?? (await this.cartOf(shopper));
    await this.db.cartItem.upsert({
      where: { cartId_productId: { cartId: cart.id, productId } },
      create: { cartId: cart.id, productId, quantity, ...priceFields(price) },
      update: { quantity: { increment: quantity }, ...priceFields(price) },
    });
    return this.touch(cart);
  }

  /**
   * Sets the quantity of a line already in the cart and refreshes its price.
   * @throws BadUserInputError for a quantity outside 1..99; NotFoundError when the product is not in the cart.
   */
  async updateItem(shopper: Shopper, productId: number, quantity: number): Promise<CartView> {
    assertQuantity(quantity);
    const cart = await this.existingCart(ownerOf(shopper));
    if (!cart?.items.some((i) => i.productId === productId)) throw new NotFoundError('Cart item', productId);
    const price = await this.priceOf(productId);
    await this.db.cartItem.update({
      where: { cartId_productId: { cartId: cart.id, productId } },
      data: { quantity, ...priceFields(price) },
    });
    return this.touch(cart);
  }

  /** Removes a line. @throws NotFoundError when the product is not in the cart. */
  async removeItem(shopper: Shopper, productId: number): Promise<CartView> {
    const cart = await this.existingCart(ownerOf(shopper));
    const { count } = cart ? await this.db.cartItem.deleteMany({ where: { cartId: cart.id, productId } }) : { count: 0 };
    if (!cart || count === 0) throw new NotFoundError('Cart item', productId);
    return this.touch(cart);
  }

  /** Empties the cart (a user's is created empty if missing). @throws as {@link cartOf}. */
  async clear(shopper: Shopper): Promise<CartView> {
    const cart = await this.cartOf(shopper);
    await this.db.cartItem.deleteMany({ where: { cartId: cart.id } });
    return this.touch(cart);
  }

  /**
   * Takes the lines an order bought out of the cart (what the shopper added since stays): a line
   * ordered in full leaves the cart, one with more units keeps what was not ordered. A product twice
   * in `lines` counts its sum. Idempotent by `orderId`: a retried checkout job removes nothing twice.
   * Only services (the checkout worker) may.
   * @returns false when this order had already been committed. @throws ForbiddenError for clients.
   */
  async commitCheckout(caller: Caller, userId: number, orderId: string, lines: readonly CheckoutLine[]): Promise<boolean> {
    requireService(caller);
    const ordered = new Map<number, number>();
    for (const line of lines) ordered.set(line.productId, (ordered.get(line.productId) ?? 0) + line.quantity);
    // One statement, where a transaction was six round trips (BEGIN, the commit row, the cart, the
    // deletes, the updates, COMMIT); it is as atomic. The commit row is the idempotency key: ON
    // CONFLICT DO NOTHING inserts nothing for an order committed before (a concurrent call for the
    // same order waits for the first, then inserts nothing), and then nothing else changes either.
    // Every CTE sees the statement's snapshot, so `line` locks the cart's ordered lines first and
    // reads what is left of each from its newest version: a line the shopper changed meanwhile is
    // neither overwritten with a stale quantity nor sorted by it into the wrong one of DELETE and
    // UPDATE (which thus touch disjoint rows).
    const [row] = await this.db.$queryRaw<{ committed: boolean }[]>`
      WITH ordered AS (
        SELECT * FROM unnest(${[...ordered.keys()]}::int[], ${[...ordered.values()]}::int[]) AS l(product_id, quantity)
      ), inserted AS (
        INSERT INTO "CheckoutCommit" ("orderId", "userId", "createdAt") VALUES (${orderId}, ${userId}, ${NOW})
        ON CONFLICT ("orderId") DO NOTHING
        RETURNING "orderId"
      ), cart AS (
        UPDATE "Cart" SET "updatedAt" = ${NOW}
        WHERE "userId" = ${userId} AND EXISTS (SELECT FROM inserted)
        RETURNING "id"
      ), line AS (
        SELECT i."cartId", i."productId", i."quantity" - l.quantity AS remaining
        FROM "CartItem" AS i JOIN cart ON i."cartId" = cart."id" JOIN ordered AS l ON i."productId" = l.product_id
        FOR UPDATE OF i
      ), removed AS (
        DELETE FROM "CartItem" AS i USING line
        WHERE i."cartId" = line."cartId" AND i."productId" = line."productId" AND line.remaining <= 0
      ), kept AS (
        UPDATE "CartItem" AS i SET "quantity" = line.remaining, "updatedAt" = ${NOW}
        FROM line
        WHERE i."cartId" = line."cartId" AND i."productId" = line."productId" AND line.remaining > 0
      )
      SELECT EXISTS (SELECT FROM inserted) AS committed`;
    return row!.committed;
  }

  private async priceOf(productId: number) {
    const price = await this.products.price(productId);
    if (!price) throw new NotFoundError('Product', productId);
    return price;
  }

  // A change to a guest cart is activity: its expiry moves to a full TTL from now.
  private touch(cart: Pick<CartView, 'id' | 'userId'>): Promise<CartView> {
    const now = new Date();
    return this.db.cart.update({
      where: { id: cart.id },
      data: { updatedAt: now, ...(cart.userId === null ? { expiresAt: new Date(now.getTime() + this.options.guestCartTtlMs) } : {}) },
      include: WITH_ITEMS,
    });
  }
}

/** A line's price columns from a product's current price. */
export const priceFields = (p: { priceCents: number; discountBasisPoints: number; currencyCode: string }) => ({
  unitPriceCents: p.priceCents,
  discountBasisPoints: p.discountBasisPoints,
  currencyCode: p.currencyCode,
});
