import DataLoader from 'dataloader';
import type { BaseContext, Logger, Redis } from '@commerce/common';
import type { CategoryRecord, ProductDb, ProductRecord } from './db';
import { CatalogAdminService } from './services/catalog-admin.service';
import { CatalogService, type ProductPage, type ProductPageArgs } from './services/catalog.service';
import { InventoryService } from './services/inventory.service';
import { StockEventPublisher } from './services/stock-events';

export interface Context extends BaseContext {
  catalog: CatalogService;
  admin: CatalogAdminService;
  inventory: InventoryService;
  loaders: {
    product: DataLoader<number, ProductRecord | null>;
    category: DataLoader<number, CategoryRecord | null>;
    categoryChildren: DataLoader<number, CategoryRecord[]>;
    /** Slugs of a category and its ancestors, top-level first. */
    categoryPath: DataLoader<number, string[]>;
    /** Category.products: one loader per distinct arguments, keyed by category id. */
    categoryProducts: (args: ProductPageArgs) => DataLoader<number, ProductPage>;
  };
}

/**
 * A DataLoader per distinct page arguments, created on first use and kept for the request: the
 * arguments cannot be part of a batch key (one statement answers one page shape), so 24
 * categories asking `products(first: 5)` share one loader and one statement.
 */
function categoryPageLoaders(catalog: CatalogService): (args: ProductPageArgs) => DataLoader<number, ProductPage> {
  const byArgs = new Map<string, DataLoader<number, ProductPage>>();
  return (args) => {
    const key = JSON.stringify([args.first, args.after, args.filter, args.sort]);
    let loader = byArgs.get(key);
    if (!loader) {
      loader = new DataLoader((ids: readonly number[]) => catalog.productPagesByCategory(ids, args));
      byArgs.set(key, loader);
    }
    return loader;
  };
}

/** What the product subgraph's services need: its database and the Redis it publishes stock events on. */
export interface ProductServicesOptions {
  db: ProductDb;
  /** Connection for publishing (not a subscriber). */
  redis: Redis;
  /** REDIS_PREFIX: names the stock event channel. */
  redisPrefix: string;
  logger: Logger;
}

/** Per-request context: DataLoaders so that N entities of one kind cost one SQL query. */
export function createContextFactory({ db, redis, redisPrefix, logger }: ProductServicesOptions) {
  const events = new StockEventPublisher(redis, redisPrefix, logger);
  const catalog = new CatalogService(db);
  const admin = new CatalogAdminService(db, events);
  const inventory = new InventoryService(db, events);
  return (base: BaseContext): Context => ({
    ...base,
    catalog,
    admin,
    inventory,
    loaders: {
      product: new DataLoader((ids) => catalog.productsByIds(ids)),
      category: new DataLoader((ids) => catalog.categoriesByIds(ids)),
      categoryChildren: new DataLoader((ids) => catalog.childrenOfCategories(ids)),
      categoryPath: new DataLoader((ids) => catalog.categoryPaths(ids)),
      categoryProducts: categoryPageLoaders(catalog),
    },
  });
}
