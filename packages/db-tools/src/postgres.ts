import { setTimeout as sleep } from 'node:timers/promises';
import { Client, escapeIdentifier } from 'pg';

const MAINTENANCE_DATABASE = 'postgres';

/** The database name in a connection URL. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!name) throw new Error(`Connection URL names no database: ${redact(url)}`);
  return name;
}

/** `url` with its database replaced by `database`; credentials and query parameters are kept. */
export function withDatabase(url: string, database: string): string {
  const copy = new URL(url);
  copy.pathname = `/${encodeURIComponent(database)}`;
  return copy.toString();
}

/** `url` without its password, for messages. */
export function redact(url: string): string {
  try {
    const copy = new URL(url);
    if (copy.password) copy.password = '***';
    return copy.toString();
  } catch {
    return '<unparseable URL>';
  }
}

function serverAddress(url: string): string {
  const { hostname, port } = new URL(url);
  return `${hostname || 'localhost'}:${port || '5432'}`;
}

const isPgError = (error: unknown, ...codes: string[]): boolean =>
  typeof error === 'object' && error !== null && codes.includes(String((error as { code?: unknown }).code));

/** Runs `fn` with a client connected to the maintenance database of the server `url` points at. */
async function withMaintenanceClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: withDatabase(url, MAINTENANCE_DATABASE), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Makes sure the PostgreSQL server that `url` points at accepts connections
 * (it connects to the server's `postgres` database, so the target database need not exist yet).
 *
 * @throws Error naming the address tried, the cause, and how to start the local server.
 */
export async function checkDatabaseReachable(url: string): Promise<void> {
  try {
    await withMaintenanceClient(url, (client) => client.query('SELECT 1'));
  } catch (error) {
    const cause = error instanceof Error ? error.message || (error as NodeJS.ErrnoException).code : String(error);
    throw new Error(
      `PostgreSQL is not reachable at ${serverAddress(url)} (${cause}). ` +
        'Start it with `docker compose up -d postgres`, or point the *_DATABASE_URL variables at a running server.',
      { cause: error },
    );
  }
}

/**
 * Whether the database named in `url` exists on its server.
 *
 * @throws the pg connection error when the server is unreachable.
 */
export async function databaseExists(url: string): Promise<boolean> {
  const name = databaseName(url);
  return withMaintenanceClient(url, async (client) => {
    const result = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return result.rowCount === 1;
  });
}

/**
 * Creates the database named in `url` unless it exists. Safe to call concurrently.
 *
 * @throws the pg error when the server is unreachable or the role may not create databases.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withMaintenanceClient(url, async (client) => {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount === 1) return;
    try {
      await client.query(`CREATE DATABASE ${escapeIdentifier(name)}`);
    } catch (error) {
      // A concurrent creator won: 42P04 duplicate_database, or 23505 when both passed the catalog check at once.
      if (!isPgError(error, '42P04', '23505')) throw error;
    }
  });
}

/**
 * Drops the database named in `url` if it exists, disconnecting its sessions (`WITH (FORCE)`).
 *
 * @throws the pg error when the server is unreachable or the drop is not permitted.
 */
export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withMaintenanceClient(url, (client) => client.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`));
}

/**
 * Creates the database named in `newUrl` as a copy of the one named in `templateUrl`
 * (`CREATE DATABASE … TEMPLATE …`; both must be on the same server). Sessions connected to
 * the template are terminated first, because PostgreSQL refuses to copy a database in use.
 *
 * @throws the pg error when the copy fails, e.g. 42P04 if the new database exists already, or 55006 if
 *   the template stays busy after a few attempts.
 */
export async function cloneDatabase(templateUrl: string, newUrl: string): Promise<void> {
  if (serverAddress(templateUrl) !== serverAddress(newUrl)) {
    throw new Error(`Cannot clone across servers: ${redact(templateUrl)} -> ${redact(newUrl)}`);
  }
  const template = databaseName(templateUrl);
  const target = databaseName(newUrl);
  await withMaintenanceClient(templateUrl, async (client) => {
    for (let attempt = 1; ; attempt++) {
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
        template,
      ]);
      try {
        await client.query(`CREATE DATABASE ${escapeIdentifier(target)} TEMPLATE ${escapeIdentifier(template)}`);
        return;
      } catch (error) {
        // 55006 object_in_use: a pool reconnected to the template between terminate and copy.
        if (!isPgError(error, '55006') || attempt === 5) throw error;
        await sleep(100 * attempt);
      }
    }
  });
}
