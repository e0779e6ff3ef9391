import type { Resolvers } from '../__generated__/resolvers-types';
import { Mutation } from './Mutation';
import { Product } from './Product';
import { Query } from './Query';
import { Review } from './Review';
import { User } from './User';

export const resolvers: Resolvers = { Query, Mutation, Review, Product, User };
