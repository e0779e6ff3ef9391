import type { Resolvers } from '../__generated__/resolvers-types';
import { Cart, CartItem } from './Cart';
import { Mutation } from './Mutation';
import { Query } from './Query';
import { User } from './User';

export const resolvers: Resolvers = { Query, Mutation, Cart, CartItem, User };
