/**
 * npm run db:migrate — creates each subgraph database if missing and applies its committed
 * migrations (prisma/<subgraph>/migrations). Safe to re-run: applied migrations are skipped.
 */
import { SUBGRAPHS, applyMigrations, checkDatabaseReachable, databaseName, databaseUrls, ensureDatabase } from '@commerce/db-tools';

async function main(): Promise<void> {
  const urls = databaseUrls();
  for (const subgraph of SUBGRAPHS) {
    const url = urls[subgraph];
    await checkDatabaseReachable(url);
    await ensureDatabase(url);
    const applied = await applyMigrations(subgraph, url);
    const detail = applied.length > 0 ? `: ${applied.join(', ')}` : ' (up to date)';
    console.log(`${subgraph.padEnd(8)} ${databaseName(url).padEnd(18)} ${applied.length} migration(s) applied${detail}`);
  }
}

main().catch((error: unknown) => {
  console.error(`db:migrate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
