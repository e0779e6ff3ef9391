/**
 * npm run generate:prisma — runs `prisma generate` for every subgraph schema; each client lands
 * where its generator `output` says (subgraphs/<subgraph>/src/db/generated, gitignored).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, SUBGRAPHS } from '@commerce/db-tools';

const prismaBin = path.join(REPO_ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'prisma.cmd' : 'prisma');
// `prisma generate` never runs the schema engine, but without this variable the CLI first tries to download
// it (there is no network); the variable must name an existing file, so this script stands in for it.
const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || __filename };

for (const subgraph of SUBGRAPHS) {
  const schema = path.join('prisma', subgraph, 'schema.prisma');
  const result = spawnSync(prismaBin, ['generate', '--schema', schema], { cwd: REPO_ROOT, env, stdio: 'inherit' });
  if (result.error || result.status !== 0) {
    console.error(`prisma generate failed for ${schema}${result.error ? `: ${result.error.message}` : ` (exit code ${result.status})`}`);
    process.exit(1);
  }
}
