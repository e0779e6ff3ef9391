import type { AddressResolvers } from '../__generated__/resolvers-types';

export const Address: AddressResolvers = {
  userId: (a) => String(a.userId),
};
