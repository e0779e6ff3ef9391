import type { Resolvers } from '../__generated__/resolvers-types';
import { Product } from './Product';
import { Review } from './Review';
import { User } from './User';

export const resolvers: Resolvers = { Review, Product, User };
