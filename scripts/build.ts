/**
 * npm run build — compiles every workspace's `src/` to JavaScript in its `dist/` (same layout, so
 * paths built from `__dirname` still hold; `.graphql` and other non-TypeScript files are copied)
 * and bundles the production scripts into `scripts/dist/`. esbuild transpiles file by file
 * (`isolatedModules` holds), so the build takes seconds; type checking stays `npm run typecheck`.
 * Production runs `node --conditions=commerce-dist <workspace>/dist/<entry>.js` (see deploy/processes.ts).
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
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

async function main(): Promise<void> {
  const started = performance.now();
  const counts = await Promise.all(WORKSPACES.map(buildWorkspace));
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
    `built ${total} modules of ${WORKSPACES.length} workspaces and ${SCRIPT_ENTRIES.length} scripts in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

main().catch((error: unknown) => {
  console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
