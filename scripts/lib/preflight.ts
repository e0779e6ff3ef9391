/**
 * Pre-flight checks for `npm start`: PostgreSQL and Redis answer, and the ports the supergraph
 * listens on are free. Each failure says what is missing, where it was looked for, and how to
 * start it, so a newcomer gets one actionable message instead of five crashing subgraphs.
 */
import net from 'node:net';
// Single modules rather than the packages' indexes: those load Apollo, BullMQ and the schema engine,
// about a second of CPU that every `npm start` would pay before its first check.
import { Redis } from '@commerce/common/src/redis';
import { checkDatabaseReachable } from '@commerce/db-tools/src/postgres';

const START_SERVICES = '`docker compose up -d postgres redis`';

/** `host:port` of `url` (with `defaultPort` when it names none); never its credentials. */
export function addressOf(url: string, defaultPort: number): string {
  const { hostname, port } = new URL(url);
  return `${hostname || 'localhost'}:${port || defaultPort}`;
}

const reason = (error: unknown): string =>
  // Connection errors to a host with several addresses are AggregateErrors with an empty message.
  error instanceof Error ? error.message || (error as NodeJS.ErrnoException).code || error.name : String(error);

/**
 * Checks that every PostgreSQL server the database URLs point at accepts connections (once per
 * server, however many databases live on it).
 *
 * @param databaseUrls connection URL by the variable that holds it, e.g. `{ USER_DATABASE_URL: … }`.
 * @throws Error naming the unreachable server, the variables pointing at it, and how to start it.
 */
export async function checkPostgres(databaseUrls: Record<string, string>): Promise<void> {
  const servers = new Map<string, { url: string; variables: string[] }>();
  for (const [variable, url] of Object.entries(databaseUrls)) {
    const address = addressOf(url, 5432);
    const server = servers.get(address) ?? { url, variables: [] };
    server.variables.push(variable);
    servers.set(address, server);
  }
  const problems = await Promise.all(
    [...servers].map(async ([address, { url, variables }]) => {
      try {
        await checkDatabaseReachable(url);
        return [];
      } catch (error) {
        const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
        return [`PostgreSQL is not reachable at ${address} (${reason(cause)}; used by ${variables.join(', ')}).`];
      }
    }),
  );
  if (problems.flat().length === 0) return;
  throw new Error(
    `${problems.flat().join('\n')}\n` +
      `  Start it with ${START_SERVICES}, or a local install with \`pg_ctlcluster 15 main start\`;\n` +
      '  or point the *_DATABASE_URL variables at a running server.',
  );
}

/**
 * Checks that Redis at `url` answers PING, giving up after about two seconds.
 *
 * @throws Error naming the address tried and how to start Redis.
 */
export async function checkRedis(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    connectTimeout: 2000,
  });
  // Without retries, connect() rejects with a bare "Connection is closed."; the cause (ECONNREFUSED, …) comes as an event.
  let connectionError: unknown;
  redis.on('error', (error) => (connectionError ??= error));
  try {
    await redis.connect();
    await redis.ping();
    await redis.quit();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `Redis is not reachable at ${addressOf(url, 6379)} (${reason(connectionError ?? error)}).\n` +
        `  Start it with ${START_SERVICES}, or a local install with \`redis-server --daemonize yes\`;\n` +
        '  or point REDIS_URL at a running server.',
    );
  }
}

/** A port one of the supergraph's processes will listen on. */
export interface ListenPort {
  name: string;
  host: string;
  port: number;
}

/**
 * Checks that nothing listens on the given ports yet: most often a previous `npm start` or
 * `docker compose up` still running, which would otherwise show up as a subgraph crashing with EADDRINUSE.
 *
 * @throws Error listing every port in use.
 */
export async function checkPortsFree(ports: ListenPort[]): Promise<void> {
  const busy = await Promise.all(ports.map(async (entry) => ((await isPortInUse(entry.host, entry.port)) ? entry : undefined)));
  const inUse = busy.filter((entry) => entry !== undefined);
  if (inUse.length === 0) return;
  const list = inUse.map(({ name, host, port }) => `${host}:${port} (${name})`).join(', ');
  throw new Error(
    `Port${inUse.length > 1 ? 's' : ''} already in use: ${list}.\n` +
      `  Is another \`npm start\` or \`docker compose up\` still running? Find it with \`lsof -i :${inUse[0]?.port}\`.`,
  );
}

function isPortInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    // Only EADDRINUSE means "taken"; anything else (e.g. a host name that is not local) is left for the process itself to report.
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE'));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/**
 * Runs every check at once, so a fresh machine learns about all missing services in one go.
 *
 * @returns one message per failed check; empty when all passed.
 */
export async function preflight(options: {
  databaseUrls: Record<string, string>;
  redisUrl: string;
  ports: ListenPort[];
}): Promise<string[]> {
  const results = await Promise.allSettled([
    checkPostgres(options.databaseUrls),
    checkRedis(options.redisUrl),
    checkPortsFree(options.ports),
  ]);
  return results.flatMap((result) => (result.status === 'rejected' ? [reason(result.reason)] : []));
}
