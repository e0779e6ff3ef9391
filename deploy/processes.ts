/**
 * The process manifest: every long-running process of the supergraph and every one-shot job, with
 * its role, entry point (TypeScript source and compiled file), ports, health paths and the
 * environment it needs. `npm start`, the benchmarks, the tests that spawn processes, the compose
 * files and the Kubernetes manifests all come from (or are checked against) this one list, so a
 * process added here and forgotten elsewhere fails `tests/deploy/manifest.test.ts`.
 *
 * To add a process: one entry in {@link PROCESSES}, then its compose service (the test says what
 * it expects). Ports are fixed tables rather than arithmetic, so a reader finds each one by name.
 */
// The config module alone, not the package index: `npm start` reads this before anything else.
import { SUBGRAPHS, type SubgraphName } from '@commerce/common/src/config';
import { DIST_CONDITION, compiledPath } from '../scripts/lib/build';

/** What a process is, which decides how it is deployed and probed. */
export type ProcessRole = 'subgraph' | 'worker' | 'gateway';

/** Liveness answers while the process runs; readiness once its dependencies answer too (`packages/common/src/health.ts`). */
export const HEALTH_PATHS = { live: '/health/live', ready: '/health/ready' } as const;

/** A long-running process as declared in {@link PROCESSES}; ports come from {@link processManifest}. */
export interface ProcessDeclaration {
  /** One name everywhere: `npm start`'s output prefix, the compose service, the Kubernetes Deployment. */
  readonly name: string;
  readonly role: ProcessRole;
  /** The subgraph whose code (and database) it runs; none for the gateway. */
  readonly subgraph?: SubgraphName;
  /** TypeScript entry point, relative to the repository root. */
  readonly source: string;
  /** Compiled entry point (`npm run build`), relative to the repository root. */
  readonly dist: string;
  /** The `msg` of the pino line it logs once it serves (tests wait for it). */
  readonly readyLine: string;
  /**
   * Variables it reads that a deployment must provide (no safe default there): databases, Redis,
   * secrets, the subgraphs it calls. Defaults serve every other variable (docs/configuration.md).
   */
  readonly needs: readonly string[];
}

/** A process with its ports resolved. */
export interface ProcessSpec extends ProcessDeclaration {
  /** Port of its HTTP server: the GraphQL server of a subgraph or the gateway, the health listener of a worker. */
  readonly port: number;
  readonly health: typeof HEALTH_PATHS;
  /** Port reserved for its Prometheus listener, passed as METRICS_PORT. */
  readonly metricsPort: number;
  /** Variables the manifest sets for it (its ports); the deployment's own environment comes first. */
  readonly env: Readonly<Record<string, string>>;
}

/** A one-shot step of a deployment (migrations, seed, composition). */
export interface JobSpec {
  readonly name: 'migrate' | 'seed' | 'compose';
  readonly source: string;
  readonly dist: string;
  readonly needs: readonly string[];
}

const databaseVar = (subgraph: SubgraphName) => `${subgraph.toUpperCase()}_DATABASE_URL`;
const subgraphUrlVar = (subgraph: SubgraphName) => `${subgraph.toUpperCase()}_SUBGRAPH_URL`;
/** Every process verifies the gateway-signed caller token and reads Redis (queues, events, limits). */
const BASE_NEEDS = ['REDIS_URL', 'INTERNAL_JWT_SECRET'] as const;

const subgraph = (name: SubgraphName, calls: SubgraphName[] = [], extra: string[] = []): ProcessDeclaration => ({
  name,
  role: 'subgraph',
  subgraph: name,
  source: `subgraphs/${name}/src/main.ts`,
  dist: compiledPath(`subgraphs/${name}/src/main.ts`),
  readyLine: `${name} subgraph ready`,
  needs: [...BASE_NEEDS, databaseVar(name), ...calls.map(subgraphUrlVar), ...extra],
});

const worker = (name: string, owner: SubgraphName, file: string, readyLine: string, calls: SubgraphName[] = []): ProcessDeclaration => ({
  name,
  role: 'worker',
  subgraph: owner,
  source: `subgraphs/${owner}/src/${file}`,
  dist: compiledPath(`subgraphs/${owner}/src/${file}`),
  readyLine,
  needs: [...BASE_NEEDS, databaseVar(owner), ...calls.map(subgraphUrlVar)],
});

/** Every long-running process, in start order (the gateway boots longest, `npm start` starts it first). */
export const PROCESSES: readonly ProcessDeclaration[] = [
  {
    name: 'gateway',
    role: 'gateway',
    source: 'gateway/src/main.ts',
    dist: compiledPath('gateway/src/main.ts'),
    readyLine: 'gateway ready',
    needs: [...BASE_NEEDS, ...SUBGRAPHS.map(subgraphUrlVar)],
  },
  subgraph('user', [], ['AUTH_SIGNING_KEYS']),
  subgraph('product'),
  subgraph('review', ['product']),
  subgraph('cart', ['product']),
  subgraph('order', ['user', 'product', 'cart']),
  worker('checkout-worker', 'order', 'workers/checkout.main.ts', 'checkout worker ready', ['user', 'product', 'cart']),
  worker('notification-worker', 'user', 'notifications/notification.main.ts', 'notification worker ready'),
  worker('rating-sync-worker', 'product', 'workers/rating-sync.main.ts', 'rating-sync worker ready'),
  worker('purchase-worker', 'review', 'workers/purchase.main.ts', 'purchase worker ready'),
  worker('guest-cart-expiry-worker', 'cart', 'workers/guest-cart-expiry.main.ts', 'guest-cart expiry worker ready'),
];

/** Health ports of the workers (they serve no GraphQL), distinct so they share one host under `npm start`. */
const WORKER_PORTS: Readonly<Record<string, number>> = {
  'checkout-worker': 4101,
  'notification-worker': 4102,
  'rating-sync-worker': 4103,
  'purchase-worker': 4104,
  'guest-cart-expiry-worker': 4105,
};

/** METRICS_PORT of each process: one block, clear of the service ports (4000–4104) and of PostgreSQL/Redis. */
const METRICS_PORTS: Readonly<Record<string, number>> = {
  gateway: 9400,
  user: 9401,
  product: 9402,
  review: 9403,
  cart: 9404,
  order: 9405,
  'checkout-worker': 9411,
  'notification-worker': 9412,
  'rating-sync-worker': 9413,
  'purchase-worker': 9414,
  'guest-cart-expiry-worker': 9415,
};

/** The one-shot jobs: migrations before anything reads a table, the seed after them, the composition before the gateway. */
export const JOBS: readonly JobSpec[] = [
  { name: 'migrate', source: 'scripts/db-migrate.ts', needs: SUBGRAPHS.map(databaseVar) },
  {
    name: 'seed',
    source: 'scripts/seed.ts',
    needs: ['USER_DATABASE_URL', 'PRODUCT_DATABASE_URL', 'REVIEW_DATABASE_URL', 'ORDER_DATABASE_URL'],
  },
  { name: 'compose', source: 'scripts/compose.ts', needs: SUBGRAPHS.map(subgraphUrlVar) },
].map((job) => ({ ...job, name: job.name as JobSpec['name'], dist: compiledPath(job.source) }));

/** What the manifest is built from: the deployment's addresses. */
export interface ManifestConfig {
  /** `*_SUBGRAPH_URL` of each subgraph: a subgraph listens on its URL's port, since the supergraph routes there. */
  subgraphUrls: Record<SubgraphName, string>;
  /** GATEWAY_PORT. */
  gatewayPort: number;
  /** Added to every worker and metrics port, so a benchmark's stack runs beside `npm start` (default 0). */
  portOffset?: number;
}

/** The port a URL names (its scheme's default when it names none). */
export function urlPort(url: string): number {
  const parsed = new URL(url);
  return Number(parsed.port) || (parsed.protocol === 'https:' ? 443 : 80);
}

/**
 * Every process of {@link PROCESSES} with its ports resolved from `config`, in start order.
 * @throws Error when a declared process has no port in the tables above (a process added halfway).
 */
export function processManifest(config: ManifestConfig): ProcessSpec[] {
  const offset = config.portOffset ?? 0;
  return PROCESSES.map((declared) => {
    const metrics = METRICS_PORTS[declared.name];
    if (metrics === undefined) throw new Error(`no METRICS_PORT reserved for ${declared.name} in deploy/processes.ts`);
    const metricsPort = metrics + offset;
    let port: number;
    let env: Record<string, string>;
    if (declared.role === 'gateway') {
      port = config.gatewayPort;
      env = { GATEWAY_PORT: String(port) };
    } else if (declared.role === 'subgraph') {
      port = urlPort(config.subgraphUrls[declared.subgraph!]);
      env = { [`${declared.subgraph!.toUpperCase()}_PORT`]: String(port) };
    } else {
      const health = WORKER_PORTS[declared.name];
      if (health === undefined) throw new Error(`no health port reserved for ${declared.name} in deploy/processes.ts`);
      port = health + offset;
      env = { HEALTH_PORT: String(port) };
    }
    return {
      ...declared,
      port,
      health: HEALTH_PATHS,
      metricsPort,
      env: { ...env, METRICS_PORT: String(metricsPort) },
    };
  });
}

/** The manifest of the default addresses (`.env.example`, the compose files, Kubernetes). */
export const defaultManifest = (): ProcessSpec[] =>
  processManifest({
    subgraphUrls: {
      user: 'http://127.0.0.1:4001/graphql',
      product: 'http://127.0.0.1:4002/graphql',
      review: 'http://127.0.0.1:4003/graphql',
      cart: 'http://127.0.0.1:4004/graphql',
      order: 'http://127.0.0.1:4005/graphql',
    },
    gatewayPort: 4000,
  });

/** One process by name. @throws Error for a name not in the manifest. */
export function processNamed<P extends ProcessDeclaration>(manifest: readonly P[], name: string): P {
  const found = manifest.find((spec) => spec.name === name);
  if (!found) throw new Error(`no process ${name} in deploy/processes.ts`);
  return found;
}

/** How to run an entry point: `dist` = compiled JavaScript (production), `source` = TypeScript through tsx (development, tests). */
export type EntryKind = 'dist' | 'source';

/**
 * The argv (after the `node` executable) that runs `entry`. Compiled: the dist condition makes
 * `@commerce/*` resolve to their `dist/`. Source: `--require tsx/cjs`, one process per entry point
 * (not the tsx CLI, a second Node process that relays signals and cuts a drain short; not
 * `--import tsx`, whose ESM loader thread costs ~20 MB per process for code that is all CommonJS).
 */
export function nodeArgs(entry: { source: string; dist: string }, kind: EntryKind): string[] {
  return kind === 'dist' ? [`--conditions=${DIST_CONDITION}`, entry.dist] : ['--require', 'tsx/cjs', entry.source];
}

/** The command (this Node executable, its arguments) that runs `entry` on this machine, for the supervisor of `npm start` and the benchmarks. */
export const localCommand = (entry: { source: string; dist: string }, kind: EntryKind): [command: string, args: string[]] => [
  process.execPath,
  [...(kind === 'dist' ? ['--enable-source-maps'] : []), ...nodeArgs(entry, kind)],
];

/** The container command of a process or job in the image: `node` on PATH, compiled entry. */
export const containerCommand = (entry: { source: string; dist: string }): string[] => ['node', ...nodeArgs(entry, 'dist')];

/** A job by name. */
export const job = (name: JobSpec['name']): JobSpec => JOBS.find((candidate) => candidate.name === name)!;
