import { BadUserInputError, NotFoundError, normalizeAddress, type AddressInput } from '@commerce/common';
import type { ShippingAddress, UserClient } from './clients';

/** Where an order or a quote ships: the caller's own address by id, an inline one, or their default. */
export interface ShippingInput {
  shippingAddressId?: string | null;
  shippingAddress?: AddressInput | null;
}

/** Resolves shipping inputs to a normalized address; the user subgraph owns saved addresses. */
export class ShippingAddresses {
  constructor(private readonly users: UserClient) {}

  /**
   * The inline address validated by the user subgraph's rules (`normalizeAddress`), or null when none is given.
   * @throws BadUserInputError naming the field (`shippingAddress.<field>`); both inputs given: field `shippingAddress`.
   */
  inline(input: ShippingInput, prefix = 'shippingAddress'): ShippingAddress | null {
    if (input.shippingAddressId && input.shippingAddress) {
      throw new BadUserInputError('Give shippingAddressId or shippingAddress, not both', { field: prefix });
    }
    if (!input.shippingAddress) return null;
    try {
      return normalizeAddress(input.shippingAddress);
    } catch (err) {
      if (err instanceof BadUserInputError && typeof err.details.field === 'string') {
        throw new BadUserInputError(err.message, { ...err.details, field: `${prefix}.${err.details.field}` });
      }
      throw err;
    }
  }

  /** The user's saved address `id`. @throws NotFoundError when it is missing or someone else's (nothing leaks). */
  async saved(userId: number, id: string): Promise<ShippingAddress> {
    const address = await this.users.addressOf(userId, id);
    if (!address) throw new NotFoundError('Address', id);
    return address;
  }

  /** The user's default shipping address. @throws BadUserInputError (field shippingAddressId) when they have none. */
  async default(userId: number): Promise<ShippingAddress> {
    const address = await this.users.defaultAddressOf(userId);
    if (!address)
      throw new BadUserInputError('No default shipping address: give shippingAddressId or shippingAddress', { field: 'shippingAddressId' });
    return address;
  }
}
