export { SUBGRAPHS, REPO_ROOT, databaseUrls, isSubgraphName, prismaDir, type SubgraphName } from './config';
export {
  checkDatabaseReachable,
  cloneDatabase,
  databaseExists,
  databaseName,
  dropDatabase,
  ensureDatabase,
  redact,
  withDatabase,
} from './postgres';
export { applyMigrations, diffMigration, migrationsDirOf } from './migrations';
export { createRowCopier, type InsertRows, type Row, type RowCopier } from './copy';
