import path from 'node:path';
import { z } from 'zod';
// The config module alone, not the package index (Apollo, BullMQ…): `npm start` reads the URLs before anything else.
import { SUBGRAPHS, defaultDatabaseUrl, type SubgraphName } from '@commerce/common/src/config';

export { SUBGRAPHS, type SubgraphName };

/** Absolute path of the monorepo root. */
export const REPO_ROOT = path.resolve(__dirname, '../../..');

/** `prisma/<subgraph>` under the repo root: holds schema.prisma and migrations/. */
export function prismaDir(subgraph: SubgraphName): string {
  return path.join(REPO_ROOT, 'prisma', subgraph);
}

/** Whether `value` names one of {@link SUBGRAPHS}. */
export function isSubgraphName(value: string): value is SubgraphName {
  return (SUBGRAPHS as readonly string[]).includes(value);
}

const envVarName = (subgraph: SubgraphName): string => `${subgraph.toUpperCase()}_DATABASE_URL`;

const postgresUrl = z
  .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgresql:// or postgres:// URL', abort: true })
  .refine((url) => new URL(url).pathname.length > 1, 'must name a database (postgresql://host:port/<database>)');

/**
 * The connection URL of every subgraph database, read from `<SUBGRAPH>_DATABASE_URL`
 * (e.g. `PRODUCT_DATABASE_URL`); unset or empty variables default to
 * `postgresql://postgres@127.0.0.1:5432/commerce_<subgraph>`.
 *
 * @throws Error listing every invalid variable when any value is not a PostgreSQL URL with a database name.
 */
export function databaseUrls(env: NodeJS.ProcessEnv = process.env): Record<SubgraphName, string> {
  const shape = Object.fromEntries(SUBGRAPHS.map((s) => [envVarName(s), postgresUrl])) as Record<string, typeof postgresUrl>;
  const input = Object.fromEntries(SUBGRAPHS.map((s) => [envVarName(s), env[envVarName(s)] || defaultDatabaseUrl(s)]));
  const parsed = z.object(shape).safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid database configuration:\n${problems.join('\n')}`);
  }
  return Object.fromEntries(SUBGRAPHS.map((s) => [s, parsed.data[envVarName(s)]])) as Record<SubgraphName, string>;
}
