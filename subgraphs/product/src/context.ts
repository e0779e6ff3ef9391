import DataLoader from 'dataloader';
import type { BaseContext, Logger, Redis } from '@commerce/common';
import type { CategoryRecord, ProductDb, ProductRecord } from './db';
import { CatalogAdminService } from './services/catalog-admin.service';
import { CatalogService } from './services/catalog.service';
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
    },
  });
}
