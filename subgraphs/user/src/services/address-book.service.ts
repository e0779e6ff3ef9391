import {
  BadUserInputError,
  NotFoundError,
  UnauthenticatedError,
  canActFor,
  normalizeAddress,
  requireUser,
  type AddressInput,
  type Caller,
} from '@commerce/common';
import type { AddressRecord, Prisma, UserDb } from '../db';

/** Saved addresses per user; no pagination, so the list stays small enough to show on one page. */
export const MAX_ADDRESSES_PER_USER = 20;

type Tx = Prisma.TransactionClient;

/** Default shipping address first, then newest first (ties by id, so the order is total). */
const BOOK_ORDER = [{ isDefaultShipping: 'desc' }, { createdAt: 'desc' }, { id: 'desc' }] as const;

/**
 * A user's address book. Every change runs in one transaction that first locks the owner's user row,
 * so concurrent changes to one book are serialized: the cap holds and at most one address is the
 * default shipping address (a partial unique index backs that up). Rules:
 * - the first address of a book becomes the default, whatever `isDefaultShipping` says;
 * - `isDefaultShipping: true` makes an address the default and unsets the previous one; `false`
 *   on the default leaves the book without one; absent leaves it as it is;
 * - removing the default promotes the newest remaining address (none when the book is empty).
 *
 * Authorization, as for orders: the owner or an admin (or a service caller) may read or change an
 * address; for anyone else it does not exist (null on read, NOT_FOUND on change), so ids leak nothing.
 */
export class AddressBookService {
  constructor(private readonly db: UserDb) {}

  /** Batch function: the address book of each user (in {@link BOOK_ORDER}), in input order, from one statement. */
  async addressesOfUsers(userIds: readonly number[]): Promise<AddressRecord[][]> {
    const rows = await this.db.address.findMany({ where: { userId: { in: [...userIds] } }, orderBy: [...BOOK_ORDER] });
    return userIds.map((id) => rows.filter((r) => r.userId === id));
  }

  /** The address if `caller` may see it, else null (unknown and foreign ids alike). */
  async find(caller: Caller, id: string): Promise<AddressRecord | null> {
    const address = await this.db.address.findUnique({ where: { id } });
    return address && canActFor(caller, address.userId) ? address : null;
  }

  /**
   * Adds an address to the signed-in user's book.
   * @throws UnauthenticatedError when not signed in.
   * @throws BadUserInputError naming the field (see normalizeAddress), or when the book already holds
   *   {@link MAX_ADDRESSES_PER_USER} addresses.
   */
  async add(caller: Caller, input: AddressInput): Promise<AddressRecord> {
    const { userId } = requireUser(caller);
    const data = normalizeAddress(input);
    return this.db.$transaction(async (tx) => {
      await lockBook(tx, userId);
      const count = await tx.address.count({ where: { userId } });
      if (count >= MAX_ADDRESSES_PER_USER) {
        throw new BadUserInputError(`An address book holds at most ${MAX_ADDRESSES_PER_USER} addresses; remove one first`, {
          limit: MAX_ADDRESSES_PER_USER,
        });
      }
      const isDefaultShipping = count === 0 || input.isDefaultShipping === true;
      if (isDefaultShipping) await unsetDefault(tx, userId);
      return tx.address.create({ data: { ...data, userId, isDefaultShipping } });
    });
  }

  /**
   * Replaces an address's fields (every field of the input; `isDefaultShipping` as in the rules above).
   * @throws UnauthenticatedError when not signed in; NotFoundError when the caller may not see it.
   * @throws BadUserInputError naming the field.
   */
  async update(caller: Caller, id: string, input: AddressInput): Promise<AddressRecord> {
    const data = normalizeAddress(input);
    return this.change(caller, id, async (tx, address) => {
      if (input.isDefaultShipping === true && !address.isDefaultShipping) await unsetDefault(tx, address.userId);
      return tx.address.update({
        where: { id },
        data: { ...data, ...(input.isDefaultShipping != null ? { isDefaultShipping: input.isDefaultShipping } : {}) },
      });
    });
  }

  /**
   * Removes an address; when it was the default, the newest remaining one becomes the default.
   * @throws UnauthenticatedError when not signed in; NotFoundError when the caller may not see it.
   */
  async remove(caller: Caller, id: string): Promise<true> {
    return this.change(caller, id, async (tx, address) => {
      await tx.address.delete({ where: { id } });
      if (address.isDefaultShipping) {
        const newest = await tx.address.findFirst({ where: { userId: address.userId }, orderBy: [...BOOK_ORDER] });
        if (newest) await tx.address.update({ where: { id: newest.id }, data: { isDefaultShipping: true } });
      }
      return true as const;
    });
  }

  /** Runs `fn` on an address the caller may change, with its book locked and the address read again under the lock. */
  private async change<T>(caller: Caller, id: string, fn: (tx: Tx, address: AddressRecord) => Promise<T>): Promise<T> {
    if (caller.kind === 'anonymous') throw new UnauthenticatedError();
    const seen = await this.find(caller, id);
    if (!seen) throw new NotFoundError('Address', id);
    return this.db.$transaction(async (tx) => {
      await lockBook(tx, seen.userId);
      // Removed meanwhile by a change that held the lock first.
      const address = await tx.address.findUnique({ where: { id } });
      if (!address) throw new NotFoundError('Address', id);
      return fn(tx, address);
    });
  }
}

/** Serializes changes to one user's book until the transaction ends. */
async function lockBook(tx: Tx, userId: number): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM "User" WHERE "id" = ${userId} FOR UPDATE`;
}

async function unsetDefault(tx: Tx, userId: number): Promise<void> {
  await tx.address.updateMany({ where: { userId, isDefaultShipping: true }, data: { isDefaultShipping: false } });
}
