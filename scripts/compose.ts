/**
 * npm run compose: composes subgraphs/<name>/src/schema.graphql into SUPERGRAPH_PATH (the file the
 * gateway reads; default gateway/supergraph.graphql), routed to the subgraph URLs of the environment
 * (USER_SUBGRAPH_URL, …). Exits 1 on any composition error, listing them all.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { envSchema, parseConfig, subgraphUrls } from '@commerce/common';
// Single modules, not the gateway's index (Apollo Server, BullMQ…).
import { composeSupergraph } from '@commerce/gateway/src/compose';
import { SUPERGRAPH_FILE } from '@commerce/gateway/src/env';

const env = parseConfig(envSchema({ SUPERGRAPH_PATH: z.string().default(SUPERGRAPH_FILE) }));
const out = path.resolve(env.SUPERGRAPH_PATH);
try {
  const sdl = composeSupergraph(subgraphUrls(env));
  writeFileSync(out, sdl);
  console.log(`composed supergraph → ${path.relative(process.cwd(), out)}`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
