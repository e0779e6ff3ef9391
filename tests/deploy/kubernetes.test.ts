/**
 * The Kubernetes manifests (deploy/kubernetes), rendered offline by `kubectl kustomize` for each
 * overlay and checked three ways: every object against the Kubernetes (and KEDA) schemas of the
 * `kubernetes-models` packages; our own rules (probes, limits, non-root, drain budget, one
 * Service/HPA/PDB per HTTP tier); and against what the code does (the process manifest's
 * processes, commands and ports, the BullMQ key KEDA watches, the variables the processes need).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { QueueName, openQueue, createRedis, type Redis } from '@commerce/common';
import { containerCommand, defaultManifest, job as manifestJob } from '../../deploy/processes';

const repo = path.resolve(__dirname, '../..');
const OVERLAYS = ['dev', 'prod'] as const;

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[];
  envFrom?: { configMapRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
}
interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  terminationGracePeriodSeconds?: number;
}

const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!kubectl && process.env.CI) throw new Error('kubectl is required in CI (.ci/run installs it)');
const describeWithKubectl = kubectl ? describe : describe.skip;
if (!kubectl) console.warn('kubectl not found: the Kubernetes manifest tests are skipped (apt-get install kubectl)');

function render(overlay: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', path.join(repo, 'deploy/kubernetes/overlays', overlay)], { encoding: 'utf8' });
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null)
    .map(unwrapSecretData);
}

/**
 * kustomize wraps long base64 Secret values over several lines; the API server's decoder (Go's
 * encoding/base64) skips the newlines, the schema's `byte` format does not, so join them first.
 */
function unwrapSecretData(obj: K8sObject): K8sObject {
  if (obj.kind !== 'Secret' || !obj.data) return obj;
  return { ...obj, data: Object.fromEntries(Object.entries(obj.data).map(([k, v]) => [k, v.replace(/\s+/g, '')])) };
}

/** The kubernetes-models class of an object's apiVersion and kind (schemas of Kubernetes 1.3x and KEDA 2.x). */
function modelOf(obj: K8sObject): { validate(): void } {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  const modulePath =
    group === 'keda.sh'
      ? `@kubernetes-models/keda/keda.sh/${version}/${obj.kind}`
      : `kubernetes-models/${group === '' ? '' : `${group}/`}${version}/${obj.kind}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the model module is chosen by the object's own kind
  const Model = (require(modulePath) as Record<string, new (data: unknown) => { validate(): void }>)[obj.kind];
  if (!Model) throw new Error(`no schema for ${obj.apiVersion} ${obj.kind}`);
  return new Model(obj);
}

function only<T>(items: readonly T[] | undefined, what: string): T {
  const [item] = items ?? [];
  if (item === undefined) throw new Error(`no ${what}`);
  return item;
}
const component = (o: K8sObject) => o.metadata.labels?.['app.kubernetes.io/component'];
const podSpecOf = (o: K8sObject) => (o.spec as { template: { spec: PodSpec } }).template.spec;
const appDeployments = (objects: K8sObject[]) =>
  objects.filter((o) => o.kind === 'Deployment' && ['gateway', 'subgraph', 'worker'].includes(component(o) ?? ''));
const named = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

const manifest = defaultManifest();
const spec = (name: string) => manifest.find((p) => p.name === name);

describeWithKubectl.each(OVERLAYS)('the %s overlay', (overlay) => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = render(overlay);
  });

  it('renders objects that all validate against the Kubernetes and KEDA schemas', () => {
    expect(objects.length).toBeGreaterThan(30);
    const problems: string[] = [];
    for (const obj of objects) {
      try {
        modelOf(obj).validate();
      } catch (err) {
        problems.push(`${obj.kind}/${obj.metadata.name}: ${(err as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('puts everything in one namespace and one image in every app container', () => {
    const namespaces = new Set(objects.filter((o) => o.kind !== 'Namespace').map((o) => o.metadata.namespace));
    expect([...namespaces]).toEqual([overlay === 'dev' ? 'commerce-dev' : 'commerce']);
    const images = new Set(
      objects
        .filter((o) => ['gateway', 'subgraph', 'worker', 'migration'].includes(component(o) ?? ''))
        .filter((o) => o.kind === 'Deployment' || o.kind === 'Job')
        .flatMap((o) => podSpecOf(o).containers.map((c) => c.image)),
    );
    expect(images.size).toBe(1);
    expect([...images][0]).toMatch(overlay === 'dev' ? /^commerce-supergraph:local$/ : /^registry\.example\.com\/commerce-supergraph:[\w.-]+$/);
  });

  it('gives every app container probes on a declared port, requests and limits, and a non-root read-only sandbox', () => {
    const deployments = appDeployments(objects);
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(manifest.map((p) => p.name).sort());
    for (const deployment of deployments) {
      const pod = podSpecOf(deployment);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      for (const c of pod.containers) {
        const where = `${deployment.metadata.name}/${c.name}`;
        const ports = new Set((c.ports ?? []).flatMap((p) => [p.name, p.containerPort]));
        expect({ where, live: c.livenessProbe?.httpGet?.path, ready: c.readinessProbe?.httpGet?.path }).toEqual({
          where,
          live: '/health/live',
          ready: '/health/ready',
        });
        for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
          if (probe?.httpGet) expect({ where, declared: ports.has(probe.httpGet.port) }).toEqual({ where, declared: true });
        }
        for (const key of ['cpu', 'memory']) {
          expect({ where, key, request: !!c.resources?.requests?.[key], limit: !!c.resources?.limits?.[key] }).toEqual({
            where,
            key,
            request: true,
            limit: true,
          });
        }
        expect({ where, ...c.securityContext }).toMatchObject({
          where,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        // The manifest's command (compiled JavaScript, no tsx), port and metrics port, and the
        // variables it needs (from the ConfigMap, the Secret or the container's own env).
        const declared = spec(deployment.metadata.name)!;
        expect({ where, command: c.command }).toEqual({ where, command: containerCommand(declared) });
        expect(c.command?.join(' ')).not.toMatch(/tsx|npm|\.ts\b/);
        expect({ where, ports: c.ports }).toEqual({
          where,
          ports: [
            { name: 'http', containerPort: declared.port },
            { name: 'metrics', containerPort: declared.metricsPort },
          ],
        });
        const config = named(objects, 'ConfigMap', 'commerce-config')?.data ?? {};
        const env = new Map((c.env ?? []).map((e) => [e.name, e.value ?? '(secret)']));
        for (const [name, value] of Object.entries(declared.env)) expect({ where, name, value: env.get(name) ?? config[name] }).toEqual({ where, name, value });
        for (const name of declared.needs) expect({ where, name, provided: env.has(name) || name in config }).toEqual({ where, name, provided: true });
      }
    }
  });

  it('drains within the grace period: preStop, then readiness failing for SHUTDOWN_DELAY_MS, then the drain', () => {
    const config = named(objects, 'ConfigMap', 'commerce-config');
    const shutdownDelayS = Number(config?.data?.SHUTDOWN_DELAY_MS) / 1000;
    expect(shutdownDelayS).toBeGreaterThan(0);
    const drainBudgetS = 20;
    for (const deployment of appDeployments(objects)) {
      const pod = podSpecOf(deployment);
      const preStop = only(pod.containers, 'container').lifecycle?.preStop?.exec?.command;
      expect(preStop?.[0]).toBe('sleep');
      const preStopS = Number(preStop?.[1]);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStopS + shutdownDelayS + drainBudgetS);
    }
  });

  it('gives each HTTP tier a Service on its port, a CPU autoscaler and a disruption budget', () => {
    for (const deployment of appDeployments(objects).filter((d) => component(d) !== 'worker')) {
      const name = deployment.metadata.name;
      const port = only(podSpecOf(deployment).containers, 'container').ports?.[0]?.containerPort;
      const service = named(objects, 'Service', name) as { spec: { selector: Record<string, string>; ports: { port: number }[] } } | undefined;
      expect({ name, port: service?.spec.ports[0]?.port }).toEqual({ name, port: spec(name)?.port });
      expect(port).toBe(service?.spec.ports[0]?.port);
      expect(service?.spec.selector).toEqual((deployment.spec as { selector: { matchLabels: unknown } }).selector.matchLabels);
      const hpa = named(objects, 'HorizontalPodAutoscaler', name) as { spec: { scaleTargetRef: { name: string }; metrics: { resource: { name: string } }[] } } | undefined;
      expect(hpa?.spec.scaleTargetRef.name).toBe(name);
      expect(hpa?.spec.metrics[0]?.resource.name).toBe('cpu');
      expect(named(objects, 'PodDisruptionBudget', name)).toBeDefined();
    }
  });

  it('exposes only the gateway, with WebSocket- and SSE-friendly proxy timeouts, and no health endpoints', () => {
    const ingresses = objects.filter((o) => o.kind === 'Ingress');
    expect(ingresses).toHaveLength(1);
    const ingress = ingresses[0] as K8sObject & {
      metadata: { annotations: Record<string, string> };
      spec: { rules: { http: { paths: { path: string; backend: { service: { name: string } } }[] } }[] };
    };
    const paths = ingress.spec.rules.flatMap((r) => r.http.paths);
    expect(new Set(paths.map((p) => p.backend.service.name))).toEqual(new Set(['gateway']));
    expect(paths.map((p) => p.path)).toContain('/graphql');
    expect(paths.some((p) => p.path === '/' || p.path.startsWith('/health'))).toBe(false);
    expect(Number(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(3600);
    expect(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
  });

  it('runs the migrations in a Job with every database and nothing else', () => {
    const job = objects.find((o) => o.kind === 'Job' && component(o) === 'migration');
    expect(job).toBeDefined();
    const container = only(podSpecOf(job!).containers, 'container');
    const databases = (container.env ?? []).map((e) => e.name).filter((n) => n.endsWith('_DATABASE_URL'));
    expect(databases.sort()).toEqual(['CART_DATABASE_URL', 'ORDER_DATABASE_URL', 'PRODUCT_DATABASE_URL', 'REVIEW_DATABASE_URL', 'USER_DATABASE_URL']);
    expect(container.command?.join(' ')).toContain(containerCommand(manifestJob('migrate')).join(' '));
  });

  it('gives each process only its own database URL', () => {
    for (const deployment of appDeployments(objects)) {
      const urls = only(podSpecOf(deployment).containers, 'container').env?.filter((e) => e.name.endsWith('_DATABASE_URL')) ?? [];
      expect({ name: deployment.metadata.name, urls: urls.length }).toEqual({ name: deployment.metadata.name, urls: component(deployment) === 'gateway' ? 0 : 1 });
    }
  });

  if (overlay === 'dev') {
    it('generates every Secret key the manifests require', () => {
      const secret = named(objects, 'Secret', 'commerce-secrets');
      const keys = new Set(Object.keys({ ...secret?.data, ...secret?.stringData }));
      const required = appDeployments(objects)
        .concat(objects.filter((o) => o.kind === 'Job'))
        .flatMap((o) => podSpecOf(o).containers.flatMap((c) => c.env ?? []))
        .map((e) => e.valueFrom?.secretKeyRef)
        .filter((ref): ref is { name: string; key: string; optional?: boolean } => !!ref && !ref.optional);
      for (const ref of required) expect({ key: ref.key, present: keys.has(ref.key) }).toEqual({ key: ref.key, present: true });
    });
  }
});

describeWithKubectl('queue-depth autoscaling', () => {
  let redis: Redis;
  const prefix = `test-k8s-${process.pid}-${Date.now()}`;
  beforeAll(() => {
    redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'kubernetes-test');
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it.each([
    ['checkout-worker', QueueName.checkout],
    ['notification-worker', QueueName.notifications],
  ])('scales %s on the Redis list that holds its waiting BullMQ jobs', async (worker, queueName) => {
    const objects = render('prod');
    const scaled = named(objects, 'ScaledObject', worker) as
      | { spec: { scaleTargetRef: { name: string }; triggers: { type: string; metadata: { listName: string } }[] } }
      | undefined;
    expect(scaled?.spec.scaleTargetRef.name).toBe(worker);
    expect(named(objects, 'Deployment', worker)).toBeDefined();
    const trigger = only(scaled?.spec.triggers, 'trigger');
    expect(trigger.type).toBe('redis');
    const redisPrefix = named(objects, 'ConfigMap', 'commerce-config')?.data?.REDIS_PREFIX;
    expect(trigger.metadata.listName.startsWith(`${redisPrefix}:`)).toBe(true);

    // The same key under this test's prefix holds exactly the job a real queue was given.
    const queue = openQueue(queueName, redis, prefix);
    try {
      await queue.add('probe', { orderId: 'k8s-probe' });
      const key = `${prefix}:${trigger.metadata.listName.slice(`${redisPrefix}:`.length)}`;
      expect(await redis.type(key)).toBe('list');
      expect(await redis.llen(key)).toBe(1);
    } finally {
      await queue.close();
    }
  });
});
