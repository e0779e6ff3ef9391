import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { SUBGRAPHS } from '@commerce/common';
import { HEALTH_PATHS, JOBS, PROCESSES, containerCommand, defaultManifest, type ProcessSpec } from '../../deploy/processes';
import { SCRIPT_ENTRIES, WORKSPACES, compiledPath } from '../../scripts/lib/build';
import { dockerfileLines, parseCopy, parseStages } from '../../scripts/lib/dockerfile';

/**
 * Issue 13 item 1: the process manifest (deploy/processes.ts) is the one list of processes. The
 * compose files, the Dockerfile and the package scripts are read as files and checked against it,
 * so a process added in one place and forgotten in another fails here with what is missing.
 */

const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const manifest = defaultManifest();

interface ComposeService {
  command?: string[] | string;
  environment?: Record<string, string | number>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { disable?: boolean; test?: unknown };
  volumes?: string[];
  user?: string;
}

/** A compose file as Compose reads it: YAML merge keys (`<<: *app`) applied. */
const composeFile = (file: string) => parse(read(file), { merge: true }) as { services: Record<string, ComposeService> };

// Not processes of ours: the databases, and the observability stack of the development compose file.
const INFRASTRUCTURE = ['postgres', 'redis', 'jaeger', 'prometheus', 'grafana'];

describe('the manifest itself', () => {
  test('names, ports and metrics ports are unique, and every entry point exists', () => {
    const names = manifest.map((spec) => spec.name);
    expect(new Set(names).size).toBe(names.length);
    const ports = manifest.flatMap((spec) => [spec.port, spec.metricsPort]);
    expect(new Set(ports).size).toBe(ports.length);
    for (const entry of [...manifest, ...JOBS]) {
      expect({ entry: entry.source, exists: existsSync(path.join(ROOT, entry.source)) }).toEqual({ entry: entry.source, exists: true });
      expect(entry.dist).toBe(compiledPath(entry.source));
    }
  });

  test('has the gateway, one process per subgraph and every worker main of the code base', () => {
    expect(manifest.filter((spec) => spec.role === 'gateway').map((spec) => spec.name)).toEqual(['gateway']);
    expect(manifest.filter((spec) => spec.role === 'subgraph').map((spec) => spec.subgraph)).toEqual([...SUBGRAPHS]);
    // Every long-running `*.main.ts` under subgraphs/*/src is a process of the manifest; the
    // rating-resend main is a one-off repair command (npm run ratings:resend), not a process.
    const ONE_OFF = ['subgraphs/review/src/workers/rating-resend.main.ts'];
    const workerMains = SUBGRAPHS.flatMap((name) => {
      const src = path.join(ROOT, 'subgraphs', name, 'src');
      return (readdirSync(src, { recursive: true }) as string[])
        .filter((file) => file.endsWith('.main.ts') && file !== 'main.ts')
        .map((file) => `subgraphs/${name}/src/${file.split(path.sep).join('/')}`);
    });
    expect(
      manifest
        .filter((spec) => spec.role === 'worker')
        .map((spec) => spec.source)
        .sort(),
    ).toEqual(workerMains.filter((file) => !ONE_OFF.includes(file)).sort());
  });

  test('each process gets its ports in its environment: the port variable its env.ts reads, METRICS_PORT', () => {
    for (const spec of manifest) {
      const portVariable =
        spec.role === 'gateway' ? 'GATEWAY_PORT' : spec.role === 'worker' ? 'HEALTH_PORT' : `${spec.subgraph!.toUpperCase()}_PORT`;
      expect(spec.env).toEqual({ [portVariable]: String(spec.port), METRICS_PORT: String(spec.metricsPort) });
      expect(read(spec.role === 'gateway' ? 'gateway/src/env.ts' : `subgraphs/${spec.subgraph}/src/env.ts`)).toMatch(
        spec.role === 'worker' ? /workerEnvShape/ : new RegExp(`\\b${portVariable}\\b`),
      );
    }
  });

  test('the workspace scripts that start a worker (npm run worker:…) run a manifest entry point', () => {
    const sources = new Set(PROCESSES.map((spec) => spec.source));
    for (const name of SUBGRAPHS) {
      const { scripts = {} } = JSON.parse(read(`subgraphs/${name}/package.json`)) as { scripts?: Record<string, string> };
      for (const [script, command] of Object.entries(scripts).filter(([script]) => script.startsWith('worker:'))) {
        const entry = `subgraphs/${name}/${command.replace(/^tsx\s+/, '')}`;
        expect({ script, entry, inManifest: sources.has(entry) }).toEqual({ script, entry, inManifest: true });
      }
    }
  });
});

/**
 * The checks every compose file passes: same processes, same commands, same ports and health checks;
 * in `production`, every variable a process needs is set too (development has defaults for secrets).
 */
function checkCompose(file: string, { production }: { production: boolean }) {
  const { services } = composeFile(file);
  const app = Object.fromEntries(Object.entries(services).filter(([name]) => !INFRASTRUCTURE.includes(name)));

  test('runs exactly the manifest’s processes and jobs', () => {
    expect(Object.keys(app).sort()).toEqual([...manifest.map((spec) => spec.name), ...JOBS.map((job) => job.name)].sort());
  });

  test.each(manifest.map((spec) => [spec.name, spec] as [string, ProcessSpec]))('%s: command, ports, health check, needs', (name, spec) => {
    const service = app[name]!;
    expect(service.command).toEqual(containerCommand(spec));
    const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value)]));
    expect(env).toMatchObject({ ...spec.env, HEALTHCHECK_URL: `http://127.0.0.1:${spec.port}${HEALTH_PATHS.ready}` });
    if (production) expect(spec.needs.filter((variable) => !(variable in env))).toEqual([]);
    // The image's HEALTHCHECK (HEALTHCHECK_URL) decides: a service-level test would drift from the manifest.
    expect(service.healthcheck).toBeUndefined();
    for (const published of service.ports ?? []) expect(published).toMatch(new RegExp(`:${spec.port}$`));
    expect(service.user).toBeUndefined();
  });

  test('the gateway waits for healthy subgraphs and the composed supergraph; the rest for the migrations', () => {
    const gateway = app.gateway!.depends_on!;
    for (const name of SUBGRAPHS) expect(gateway[name]).toEqual({ condition: 'service_healthy' });
    expect(gateway.compose).toEqual({ condition: 'service_completed_successfully' });
    for (const spec of manifest.filter((candidate) => candidate.role !== 'gateway')) {
      expect(app[spec.name]!.depends_on).toMatchObject({ migrate: { condition: 'service_completed_successfully' } });
    }
  });

  test.each(JOBS.map((job) => [job.name, job] as const))('job %s: its compiled command, no health check, not restarted', (name, job) => {
    const service = app[name]!;
    expect(service.command).toEqual(containerCommand(job));
    expect(service.healthcheck).toEqual({ disable: true });
    const env = service.environment ?? {};
    if (production) expect(job.needs.filter((variable) => !(variable in env))).toEqual([]);
  });

  test('the composition and the gateway share the volume the supergraph is written to', () => {
    expect(app.compose!.volumes).toEqual(['appdata:/app/.data']);
    expect(app.gateway!.volumes).toEqual(['appdata:/app/.data']);
  });

  return services;
}

describe('docker-compose.yml (development)', () => {
  const services = checkCompose('docker-compose.yml', { production: false });

  test('publishes every HTTP server on its own port, and PostgreSQL/Redis for `npm start`', () => {
    for (const spec of manifest.filter((candidate) => candidate.role !== 'worker')) {
      expect(services[spec.name]!.ports).toEqual([`${spec.port}:${spec.port}`]);
    }
    expect(services.postgres!.ports).toEqual(['5432:5432']);
  });
});

describe('docker-compose.prod.yml (production-like)', () => {
  const services = checkCompose('docker-compose.prod.yml', { production: true });
  const appServices = Object.entries(services).filter(([name]) => !INFRASTRUCTURE.includes(name));

  test('NODE_ENV=production everywhere, secrets required from the env file, not written in the file', () => {
    for (const [, service] of appServices) expect(service.environment?.NODE_ENV).toBe('production');
    const user = services.user!.environment!;
    expect(user.AUTH_SIGNING_KEYS).toMatch(/^\$\{AUTH_SIGNING_KEYS:\?/);
    expect(user.INTERNAL_JWT_SECRET).toMatch(/^\$\{INTERNAL_JWT_SECRET:\?/);
    expect(String(user.USER_DATABASE_URL)).toMatch(/\$\{POSTGRES_PASSWORD:\?/);
    // Every variable the example env file sets is one the compose file reads.
    const example = read('deploy/env.production.example');
    for (const [, variable] of example.matchAll(/^([A-Z_]+)=/gm)) expect(read('docker-compose.prod.yml')).toContain(`\${${variable}`);
  });

  test('only the gateway is published on the host: no PostgreSQL, Redis, subgraph or worker port', () => {
    const published = Object.entries(services)
      .filter(([, service]) => service.ports?.length)
      .map(([name]) => name);
    expect(published).toEqual(['gateway']);
  });

  test('the mail outbox (notification worker) and the key folder (user) are on the appdata volume', () => {
    expect(services['notification-worker']!.volumes).toEqual(['appdata:/app/.data']);
    expect(services.user!.volumes).toEqual(['appdata:/app/.data']);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfileLines(dockerfile);
  const runtime = instructions.slice(instructions.findIndex((line) => /^FROM .* AS runtime$/.test(line)));

  test('builds with devDependencies, runs with production dependencies only', () => {
    expect(instructions.filter((line) => line.startsWith('FROM')).map((line) => line.split(' AS ')[1])).toEqual([
      'base',
      'manifests',
      'build',
      'prod-deps',
      'runtime',
    ]);
    expect(instructions).toContain('RUN npm run generate && npm run build');
    expect(instructions.some((line) => /^RUN npm ci --omit=dev\b/.test(line))).toBe(true);
    expect(runtime.filter((line) => /npm (ci|install)|tsx/.test(line))).toEqual([]);
  });

  test('every stage and COPY line reads as npm run image:check reproduces it (build context, prod-deps or the build stage)', () => {
    const stages = parseStages(dockerfile);
    expect(stages.map((stage) => [stage.name, stage.from])).toEqual([
      ['base', 'node:20-bookworm-slim'],
      ['manifests', 'base'],
      ['build', 'manifests'],
      ['prod-deps', 'manifests'],
      ['runtime', 'base'],
    ]);
    const copies = stages
      .at(-1)!
      .instructions.filter((i) => i.keyword === 'COPY')
      .map((i) => parseCopy(i.args));
    expect(new Set(copies.map((copy) => copy.from))).toEqual(new Set([undefined, 'prod-deps', 'build']));
    expect(copies[0]).toEqual({ from: 'prod-deps', sources: ['/app'], destination: './' });
    for (const copy of copies.filter((c) => c.from === undefined))
      for (const source of copy.sources) expect(existsSync(path.join(ROOT, source))).toBe(true);
  });

  test('copies every compiled workspace and script into the runtime stage', () => {
    const dists = [...WORKSPACES.map((workspace) => `${workspace}/dist`), path.dirname(compiledPath(SCRIPT_ENTRIES[0]))];
    for (const dist of dists) expect(runtime).toContain(`COPY --from=build /app/${dist} ${dist}`);
    for (const name of SUBGRAPHS) expect(runtime).toContain(`COPY subgraphs/${name}/src/schema.graphql subgraphs/${name}/src/`);
    expect(runtime).toContain('COPY prisma prisma');
  });

  test('non-root, tini as PID 1, readiness health check, the gateway of the manifest by default', () => {
    expect(runtime).toContain('USER node');
    expect(runtime).toContain('ENTRYPOINT ["/usr/bin/tini", "--"]');
    expect(runtime.find((line) => line.startsWith('HEALTHCHECK'))).toMatch(/CMD \["node", "scripts\/probe-health\.mjs"\]$/);
    const gateway = manifest.find((spec) => spec.role === 'gateway')!;
    expect(runtime.find((line) => line.startsWith('CMD'))).toBe(`CMD ${JSON.stringify(containerCommand(gateway)).replace(/","/g, '", "')}`);
  });
});
