export type { DummyDimensions, DummyProduct, DummyReview, DummyRole, DummyUser } from './types';
export { loadCatalog, DEFAULT_DATA_DIR } from './load';
export type { Catalog, LoadCatalogOptions } from './load';
export { generateDemoCatalog } from './demo';
export { dollarsToCents, percentToBasisPoints } from './money';
export { categoryNameFromSlug } from './category';
export { DEPARTMENTS, type Department } from './category';
export { reviewsToImport, type ImportedReview } from './reviews';
