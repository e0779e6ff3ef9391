import type { CartDb } from '../db';

/** What one expiry sweep deleted. */
export interface SweepResult {
  guestCarts: number;
  mergeRecords: number;
}

/** The expiry of guest carts (issue 11), run by the scheduled guest-cart-expiry job; user carts never expire. */
export class GuestCartExpiry {
  constructor(
    private readonly db: CartDb,
    private readonly options: { guestCartTtlMs: number },
  ) {}

  /**
   * Deletes the guest carts whose expiry (last change + TTL) is before `now`, lines included, and
   * merge records older than the TTL (their tokens can no longer name a live cart). Idempotent:
   * a second sweep at the same time deletes nothing more.
   */
  async sweep(now: Date = new Date()): Promise<SweepResult> {
    // User carts have no expiresAt, so `lt` never matches them.
    const carts = await this.db.cart.deleteMany({ where: { expiresAt: { lt: now } } });
    const cutoff = new Date(now.getTime() - this.options.guestCartTtlMs);
    const merges = await this.db.guestCartMerge.deleteMany({ where: { mergedAt: { lt: cutoff } } });
    return { guestCarts: carts.count, mergeRecords: merges.count };
  }
}
