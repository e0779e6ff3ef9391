import { SUBGRAPHS, databaseUrls, type SubgraphName } from '@commerce/db-tools';

/** The PostgreSQL server the tests use: that of USER_DATABASE_URL (default 127.0.0.1:5432). */
export function serverUrl(): URL {
  const url = new URL(databaseUrls().user);
  url.pathname = '/';
  return url;
}

/** URL of database `name` on the test server. */
export function urlOf(name: string): string {
  const url = serverUrl();
  url.pathname = `/${name}`;
  return url.toString();
}

/** Template databases built once per test run by global-setup (migrated and seeded). */
export function templateUrls(runId: string): Record<SubgraphName, string> {
  return Object.fromEntries(SUBGRAPHS.map((s) => [s, urlOf(`test_${runId}_tpl_${s}`)])) as Record<SubgraphName, string>;
}

export { SUBGRAPHS, type SubgraphName };
