/**
 * npm run db:diff -- <subgraph|all> <name> — writes prisma/<subgraph>/migrations/<timestamp>_<name>/migration.sql
 * with the SQL that brings the migrated database to the current schema.prisma (nothing if they agree).
 * Needs a reachable PostgreSQL server: the existing migrations are replayed in a throwaway shadow database.
 */
import { SUBGRAPHS, checkDatabaseReachable, databaseUrls, diffMigration, isSubgraphName, type SubgraphName } from '@commerce/db-tools';

async function main(): Promise<void> {
  const [target, name, ...rest] = process.argv.slice(2);
  if (!target || !name || rest.length > 0 || (target !== 'all' && !isSubgraphName(target))) {
    console.error(`Usage: npm run db:diff -- <${SUBGRAPHS.join('|')}|all> <migration_name>`);
    process.exit(1);
  }
  const subgraphs: readonly SubgraphName[] = target === 'all' ? SUBGRAPHS : [target as SubgraphName];
  const urls = databaseUrls();
  for (const subgraph of subgraphs) {
    await checkDatabaseReachable(urls[subgraph]);
    await diffMigration(subgraph, name);
  }
}

main().catch((error: unknown) => {
  console.error(`db:diff failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
