import { dropDatabase } from '@commerce/db-tools';
import { SUBGRAPHS, templateUrls } from './support/databases';

export default async function globalTeardown(): Promise<void> {
  const runId = process.env.TEST_RUN_ID;
  if (!runId) return;
  const templates = templateUrls(runId);
  await Promise.all(SUBGRAPHS.map((s) => dropDatabase(templates[s])));
}
