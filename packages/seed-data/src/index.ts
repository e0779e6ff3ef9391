export type { DummyProduct, DummyReview, DummyRole, DummyUser } from './types';
export { loadCatalog, DEFAULT_DATA_DIR } from './load';
export type { Catalog, LoadCatalogOptions } from './load';
export { SYNTHETIC_PASSWORD, syntheticCatalog } from './synthetic';
export type { ShippingFields, SyntheticCatalog, SyntheticCatalogOptions, SyntheticProduct } from './synthetic';
export { dollarsToCents, percentToBasisPoints } from './money';
export { categoryNameFromSlug } from './category';
export { DEPARTMENTS, type Department } from './category';
export { reviewsToImport, type ImportedReview } from './reviews';
