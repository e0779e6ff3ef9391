import { applyMigrations, checkDatabaseReachable, dropDatabase, ensureDatabase } from '@commerce/db-tools';
import { seedAll } from '../scripts/seed';
import { SUBGRAPHS, templateUrls } from './support/databases';

/**
 * Once per `npm test`: migrates and seeds one template database per subgraph. Each suite then
 * clones its own databases from them (CREATE DATABASE … TEMPLATE), which takes milliseconds,
 * instead of hashing 208 passwords again.
 */
export default async function globalSetup(): Promise<void> {
  const runId = `${process.pid}`;
  process.env.TEST_RUN_ID = runId;
  const templates = templateUrls(runId);
  await checkDatabaseReachable(templates.user);
  for (const subgraph of SUBGRAPHS) {
    await dropDatabase(templates[subgraph]);
    await ensureDatabase(templates[subgraph]);
    await applyMigrations(subgraph, templates[subgraph]);
  }
  await seedAll(templates);
}
