import { BadUserInputError, NotFoundError, canActFor, type Caller } from '@commerce/common';
import { Prisma, type CartDb, type CartItemRecord } from '../db';
import type { ProductClient } from './product-client';

/** A cart with its line items (prices in cents, discounts in basis points). */
export interface CartView {
  id: string;
  userId: number;
  updatedAt: Date;
  items: CartItemRecord[];
}

/** A line an order took from the cart. */
export interface CheckoutLine {
  productId: number;
  quantity: number;
}

/** Most units of one product a cart line may hold. */
export const MAX_LINE_QUANTITY = 99;

function assertQuantity(quantity: number): void {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_LINE_QUANTITY) {
    throw new BadUserInputError(`Quantity must be an integer from 1 to ${MAX_LINE_QUANTITY}, got ${quantity}`, { field: 'quantity' });
  }
}

/** The signed-in user's cart: line items with the price each had when it was last changed. */
export class CartService {
  constructor(
    private readonly db: CartDb,
    private readonly products: ProductClient,
  ) {}

  /** The user's cart, created empty on first use. */
  async cartOf(userId: number): Promise<CartView> {
    try {
      return await this.db.cart.upsert({
        where: { userId },
        create: { userId },
        update: {},
        include: { items: { orderBy: { createdAt: 'asc' } } },
      });
    } catch (err) {
      // Prisma's upsert is select-then-insert: two first reads of one cart in one request (a user
      // reached twice through different reviews) race, and the loser sees the winner's row.
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        return this.db.cart.findUniqueOrThrow({ where: { userId }, include: { items: { orderBy: { createdAt: 'asc' } } } });
      }
      throw err;
    }
  }

  /** The cart `id` when the caller may read it (its owner, an admin, a service); null otherwise. */
  async cartFor(caller: Caller, id: string): Promise<CartView | null> {
    const cart = await this.db.cart.findUnique({ where: { id }, include: { items: { orderBy: { createdAt: 'asc' } } } });
    return cart && canActFor(caller, cart.userId) ? cart : null;
  }

  private existingCart(userId: number): Promise<CartView | null> {
    return this.db.cart.findUnique({ where: { userId }, include: { items: { orderBy: { createdAt: 'asc' } } } });
  }

  /**
   * Adds `quantity` units of a product (adding to a line already there), at the product's current price.
   * @throws BadUserInputError when the quantity or the resulting line is outside 1..99; NotFoundError for an unknown product.
   */
  async addItem(userId: number, productId: number, quantity: number): Promise<CartView> {
    assertQuantity(quantity);
    const price = await this.priceOf(productId);
    // Checked before the cart is created, so a refused request leaves nothing behind.
    const existing = await this.existingCart(userId);
    assertQuantity((existing?.items.find((i) => i.productId === productId)?.quantity ?? 0) + quantity);
    const cart = existing ?? (await this.cartOf(userId));
    await this.db.cartItem.upsert({
      where: { cartId_productId: { cartId: cart.id, productId } },
      create: { cartId: cart.id, productId, quantity, ...priceFields(price) },
      update: { quantity: { increment: quantity }, ...priceFields(price) },
    });
    return this.touch(cart.id);
  }

  /**
   * Sets the quantity of a line already in the cart and refreshes its price.
   * @throws BadUserInputError for a quantity outside 1..99; NotFoundError when the product is not in the cart.
   */
  async updateItem(userId: number, productId: number, quantity: number): Promise<CartView> {
    assertQuantity(quantity);
    const cart = await this.existingCart(userId);
    if (!cart?.items.some((i) => i.productId === productId)) throw new NotFoundError('Cart item', productId);
    const price = await this.priceOf(productId);
    await this.db.cartItem.update({
      where: { cartId_productId: { cartId: cart.id, productId } },
      data: { quantity, ...priceFields(price) },
    });
    return this.touch(cart.id);
  }

  /** Removes a line. @throws NotFoundError when the product is not in the cart. */
  async removeItem(userId: number, productId: number): Promise<CartView> {
    const cart = await this.existingCart(userId);
    const { count } = cart ? await this.db.cartItem.deleteMany({ where: { cartId: cart.id, productId } }) : { count: 0 };
    if (!cart || count === 0) throw new NotFoundError('Cart item', productId);
    return this.touch(cart.id);
  }

  async clear(userId: number): Promise<CartView> {
    const cart = await this.cartOf(userId);
    await this.db.cartItem.deleteMany({ where: { cartId: cart.id } });
    return this.touch(cart.id);
  }

  /**
   * Takes the lines an order bought out of the cart (what the shopper added since stays).
   * Idempotent by `orderId`: a retried checkout job removes nothing twice.
   * @returns false when this order had already been committed.
   */
  async commitCheckout(userId: number, orderId: string, lines: readonly CheckoutLine[]): Promise<boolean> {
    try {
      await this.db.$transaction(async (tx) => {
        await tx.checkoutCommit.create({ data: { orderId, userId } });
        const cart = await tx.cart.findUnique({ where: { userId } });
        if (!cart) return;
        for (const line of lines) {
          await tx.cartItem.deleteMany({ where: { cartId: cart.id, productId: line.productId, quantity: { lte: line.quantity } } });
          await tx.cartItem.updateMany({
            where: { cartId: cart.id, productId: line.productId, quantity: { gt: line.quantity } },
            data: { quantity: { decrement: line.quantity } },
          });
        }
        await tx.cart.update({ where: { id: cart.id }, data: { updatedAt: new Date() } });
      });
      return true;
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') return false;
      throw err;
    }
  }

  private async priceOf(productId: number) {
    const price = await this.products.price(productId);
    if (!price) throw new NotFoundError('Product', productId);
    return price;
  }

  private touch(cartId: string): Promise<CartView> {
    return this.db.cart.update({
      where: { id: cartId },
      data: { updatedAt: new Date() },
      include: { items: { orderBy: { createdAt: 'asc' } } },
    });
  }
}

const priceFields = (p: { priceCents: number; discountBasisPoints: number; currencyCode: string }) => ({
  unitPriceCents: p.priceCents,
  discountBasisPoints: p.discountBasisPoints,
  currencyCode: p.currencyCode,
});
