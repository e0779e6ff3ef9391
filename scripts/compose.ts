/**
 * npm run compose: composes subgraphs/<name>/src/schema.graphql into gateway/supergraph.graphql,
 * routed to the subgraph URLs of the environment (USER_SUBGRAPH_URL, …). Exits 1 on any
 * composition error, listing them all.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { baseEnvSchema, parseConfig, subgraphUrls } from '@commerce/common';
// Single modules, not the gateway's index (Apollo Server, BullMQ…).
import { composeSupergraph } from '@commerce/gateway/src/compose';
import { SUPERGRAPH_FILE } from '@commerce/gateway/src/env';

const env = parseConfig(baseEnvSchema);
const out = SUPERGRAPH_FILE;
try {
  const sdl = composeSupergraph(subgraphUrls(env));
  writeFileSync(out, sdl);
  console.log(`composed supergraph → ${path.relative(process.cwd(), out)}`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
