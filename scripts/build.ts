/**
 * npm run build — compiles every workspace's `src/` to JavaScript in its `dist/` (same layout, so
 * paths built from `__dirname` still hold; `.graphql` and other non-TypeScript files are copied),
 * then replaces each long-running process's entry (deploy/processes.ts `dist`) with a bundle of
 * its own code and the workspaces it imports, and bundles the production scripts into
 * `scripts/dist/`. esbuild transpiles file by file (`isolatedModules` holds), so the build takes
 * seconds; type checking stays `npm run typecheck`.
 * Production runs `node --conditions=commerce-dist <workspace>/dist/<entry>.js` (see deploy/processes.ts).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { PROCESSES } from '../deploy/processes';
import { SCRIPT_ENTRIES, WORKSPACES, compiledPath, markBuilt, sourceFiles } from './lib/build';
import { ROOT } from './lib/stamps';

/** Node 20 is the oldest runtime we support (package.json engines). */
const common: BuildOptions = { platform: 'node', format: 'cjs', target: 'node20', sourcemap: true, logLevel: 'warning' };

async function buildWorkspace(workspace: string): Promise<number> {
  const src = path.join(ROOT, workspace, 'src');
  const dist = path.join(ROOT, workspace, 'dist');
  // A source deleted since the last build must not live on as a stale .js.
  rmSync(dist, { recursive: true, force: true });
  const files = sourceFiles(`${workspace}/src`);
  const typescript = files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
  await build({ ...common, entryPoints: typescript.map((file) => path.join(ROOT, file)), outbase: src, outdir: dist });
  // schema.graphql is read next to the compiled server.js at run time.
  for (const asset of files.filter((file) => !file.endsWith('.ts'))) {
    const target = path.join(dist, path.relative(src, path.join(ROOT, asset)));
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(path.join(ROOT, asset), target);
  }
  return typescript.length;
}

/** The folder of package `name` as Node's resolution finds it from `dir` (the nearest `node_modules/<name>` up the tree), or null. */
function packageDir(name: string, dir: string): string | null {
  for (let at = dir; ; at = path.dirname(at)) {
    const candidate = path.join(at, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(at) === at) return null;
  }
}

/** The package a bare specifier names: `@scope/name` or `name`, without a subpath. */
const packageName = (specifier: string): string =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/**
 * Bundling a process entry: our workspaces (`@commerce/*`, relative imports) go into the bundle, and
 * tree shaking drops the modules of a package index the process never uses (with `sideEffects` in
 * packages/common/package.json), so a worker no longer loads Apollo Server or the address
 * libraries at start. Every other package stays a `require()` resolved by Node at run time: native
 * addons and Prisma's runtime need their own files, and OpenTelemetry's instrumentations patch
 * packages as they are required.
 * Such a `require()` then resolves from the bundle's folder, not from the importing workspace's:
 * a package npm nested under that workspace (`packages/common/node_modules/x`, because its version
 * differs from the root's) would silently load another version, or none. The build fails instead.
 */
const workspacesOnly = (outfile: string): Plugin => ({
  name: 'workspaces-only',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@commerce/')) return undefined;
      if (!isBuiltin(args.path) && args.importer) {
        const name = packageName(args.path);
        const wanted = packageDir(name, args.resolveDir);
        const found = packageDir(name, path.dirname(outfile));
        if (wanted !== found) {
          const where = (dir: string | null) => (dir ? path.relative(ROOT, dir) : 'nothing');
          return {
            errors: [
              {
                text: `${path.relative(ROOT, args.importer)} imports ${name}, which resolves to ${where(wanted)} there but to ${where(found)} from the bundle ${path.relative(ROOT, outfile)}: give the workspaces one version of it (npm dedupes equal ranges to the root)`,
              },
            ],
          };
        }
      }
      return { path: args.path, external: true };
    });
  },
});

/**
 * Keeps `__dirname` meaning the folder of the module's own compiled file (`loadTypeDefs(__dirname)`
 * reads the schema.graphql copied there, seed-data finds its data), not the bundle's folder.
 */
const ownDirname = (outfile: string): Plugin => ({
  name: 'own-dirname',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!/\b__dirname\b/.test(source)) return undefined;
      const compiledDir = path.dirname(path.join(ROOT, compiledPath(path.relative(ROOT, args.path).split(path.sep).join('/'))));
      const relative = path.relative(path.dirname(outfile), compiledDir).split(path.sep).join('/') || '.';
      return {
        contents: source.replace(/\b__dirname\b/g, `require('node:path').join(__dirname, ${JSON.stringify(relative)})`),
        loader: 'ts',
      };
    });
  },
});

/** One process entry (deploy/processes.ts), bundled over its file-by-file output. */
async function bundleProcess(source: string): Promise<void> {
  const outfile = path.join(ROOT, compiledPath(source));
  await build({
    ...common,
    entryPoints: [path.join(ROOT, source)],
    outfile,
    bundle: true,
    plugins: [workspacesOnly(outfile), ownDirname(outfile)],
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const counts = await Promise.all(WORKSPACES.map(buildWorkspace));
  await Promise.all(PROCESSES.map((process) => bundleProcess(process.source)));
  rmSync(path.join(ROOT, 'scripts', 'dist'), { recursive: true, force: true });
  await Promise.all(
    SCRIPT_ENTRIES.map((entry) =>
      build({
        ...common,
        entryPoints: [path.join(ROOT, entry)],
        outfile: path.join(ROOT, compiledPath(entry)),
        bundle: true,
        packages: 'external',
      }),
    ),
  );
  markBuilt();
  const total = counts.reduce((sum, n) => sum + n, 0);
  console.log(
    `built ${total} modules of ${WORKSPACES.length} workspaces, ${PROCESSES.length} process bundles and ${SCRIPT_ENTRIES.length} scripts in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

main().catch((error: unknown) => {
  console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
