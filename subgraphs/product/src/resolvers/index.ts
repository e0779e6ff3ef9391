import type { Resolvers } from '../__generated__/resolvers-types';
import { Category } from './Category';
import { Mutation } from './Mutation';
import { Product } from './Product';
import { ProductConnection } from './ProductConnection';
import { Query } from './Query';
import { StockMovement } from './StockMovement';

export const resolvers: Resolvers = { Query, Mutation, Product, Category, ProductConnection, StockMovement };
