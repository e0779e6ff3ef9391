import { ConflictError, ForbiddenError, InvalidCartTokenError, requireService, requireUser, type Caller } from '@commerce/common';
import type { CartDb } from '../db';
import { MAX_LINE_QUANTITY, WITH_ITEMS, priceFields, type CartService, type CartView } from './cart.service';
import { hashCartToken, newCartToken } from './cart-token';
import type { ProductClient } from './product-client';

/** A new guest cart and the token that reaches it: the only time the token is shown. */
export interface NewGuestCart {
  token: string;
  cart: CartView;
}

/** What a merge did: the user's cart after it, and false when this user had merged the token before (nothing changed). */
export interface MergeResult {
  cart: CartView;
  merged: boolean;
}

// Thrown inside the merge transaction when a concurrent merge took the guest cart first.
class GuestCartGone extends Error {}

/**
 * Guest carts (issue 11): created anonymously with a bearer token, merged into a user's cart on
 * sign-in or by mergeCart; the expiry job (GuestCartExpiry) deletes them `guestCartTtlMs` after their last change.
 */
export class GuestCartService {
  constructor(
    private readonly db: CartDb,
    private readonly carts: CartService,
    private readonly products: ProductClient,
    private readonly options: { guestCartTtlMs: number },
  ) {}

  /**
   * Creates an empty guest cart for an anonymous shopper.
   * @returns its token (43 base64url characters, 256 random bits; stored only as its SHA-256) and the cart.
   * @throws ForbiddenError for a signed-in user (their own cart is `cart`) or a service.
   */
  async create(caller: Caller): Promise<NewGuestCart> {
    if (caller.kind !== 'anonymous')
      throw new ForbiddenError('Signed-in shoppers use their own cart; guest carts are for anonymous shoppers');
    const token = newCartToken();
    const cart = await this.db.cart.create({
      data: { tokenHash: hashCartToken(token), expiresAt: new Date(Date.now() + this.options.guestCartTtlMs) },
      include: WITH_ITEMS,
    });
    return { token, cart };
  }

  /**
   * mergeCart: the signed-in caller merges a guest cart into their own (see {@link merge}).
   * @throws UnauthenticatedError when signed out; as {@link merge}.
   */
  async mergeSignedIn(caller: Caller, token: string): Promise<CartView> {
    return (await this.merge(requireUser(caller).userId, token)).cart;
  }

  /**
   * mergeGuestCart: a service (the user subgraph, on sign-in) merges for `userId` (see {@link merge}).
   * @returns whether this call merged the cart. @throws ForbiddenError for clients; as {@link merge}.
   */
  async mergeFor(caller: Caller, userId: number, token: string): Promise<boolean> {
    requireService(caller);
    return (await this.merge(userId, token)).merged;
  }

  /**
   * Moves the guest cart of `token` into the user's cart, in one transaction: per product, the
   * quantities add up, capped at the product's stock now (product subgraph) and at 99; a line
   * whose product has no stock left leaves the user's cart. Merged lines take the current price.
   * The guest cart is then deleted, and the merge recorded so that a repeat by the same user
   * (a retried sign-in) changes nothing. Concurrent merges of one token: one merges, the others see it merged.
   * @throws InvalidCartTokenError when the token names no live guest cart and this user did not merge it before;
   *   ConflictError when the guest cart gained a product during the merge (try again).
   */
  async merge(userId: number, token: string): Promise<MergeResult> {
    const tokenHash = hashCartToken(token);
    const guest = await this.db.cart.findUnique({ where: { tokenHash }, include: WITH_ITEMS });
    if (!guest || (guest.expiresAt && guest.expiresAt <= new Date())) return this.mergedBefore(userId, tokenHash);
    // Outside the transaction: no network call while rows are locked.
    const stock = await this.products.snapshots(guest.items.map((i) => i.productId));
    const target = await this.carts.cartOfUser(userId);
    try {
      await this.db.$transaction(async (tx) => {
        // Ordered locks on both carts: a concurrent merge of the same token waits here, then finds the guest cart gone.
        const locked = await tx.$queryRaw<
          { id: string }[]
        >`SELECT "id" FROM "Cart" WHERE "id" IN (${guest.id}, ${target.id}) ORDER BY "id" FOR UPDATE`;
        if (!locked.some((row) => row.id === guest.id)) throw new GuestCartGone();
        const [guestLines, userLines] = await Promise.all([
          tx.cartItem.findMany({ where: { cartId: guest.id } }),
          tx.cartItem.findMany({ where: { cartId: target.id } }),
        ]);
        for (const line of guestLines) {
          const product = stock.get(line.productId);
          if (!product) {
            // Unknown to the product subgraph (deleted), or added after the stock read above.
            if (guest.items.some((i) => i.productId === line.productId)) continue;
            throw new ConflictError('The guest cart changed during the merge; try again');
          }
          const had = userLines.find((l) => l.productId === line.productId)?.quantity ?? 0;
          const quantity = Math.min(had + line.quantity, Math.max(product.stock, 0), MAX_LINE_QUANTITY);
          const key = { cartId_productId: { cartId: target.id, productId: line.productId } };
          if (quantity === 0) await tx.cartItem.deleteMany({ where: key.cartId_productId });
          else
            await tx.cartItem.upsert({
              where: key,
              create: { cartId: target.id, productId: line.productId, quantity, ...priceFields(product) },
              update: { quantity, ...priceFields(product) },
            });
        }
        await tx.cart.delete({ where: { id: guest.id } });
        await tx.guestCartMerge.create({ data: { tokenHash, userId } });
        await tx.cart.update({ where: { id: target.id }, data: { updatedAt: new Date() } });
      });
    } catch (err) {
      if (err instanceof GuestCartGone) return this.mergedBefore(userId, tokenHash);
      throw err;
    }
    return { cart: await this.carts.cartOfUser(userId), merged: true };
  }

  private async mergedBefore(userId: number, tokenHash: string): Promise<MergeResult> {
    const earlier = await this.db.guestCartMerge.findUnique({ where: { tokenHash } });
    if (earlier?.userId !== userId) throw new InvalidCartTokenError();
    return { cart: await this.carts.cartOfUser(userId), merged: false };
  }
}
