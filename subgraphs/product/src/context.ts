import DataLoader from 'dataloader';
import type { BaseContext } from '@commerce/common';
import type { CategoryRecord, ProductDb, ProductRecord } from './db';
import { CatalogService } from './services/catalog.service';
import { InventoryService } from './services/inventory.service';

export interface Context extends BaseContext {
  catalog: CatalogService;
  inventory: InventoryService;
  loaders: {
    product: DataLoader<number, ProductRecord | null>;
    category: DataLoader<number, CategoryRecord | null>;
  };
}

/** Per-request context: DataLoaders so that N entities of one kind cost one SQL query. */
export function createContextFactory(db: ProductDb) {
  const catalog = new CatalogService(db);
  const inventory = new InventoryService(db);
  return (base: BaseContext): Context => ({
    ...base,
    catalog,
    inventory,
    loaders: {
      product: new DataLoader((ids) => catalog.productsByIds(ids)),
      category: new DataLoader((ids) => catalog.categoriesByIds(ids)),
    },
  });
}
