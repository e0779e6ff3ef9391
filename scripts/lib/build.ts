/**
 * What `npm run build` compiles and the stamp that says whether `dist/` matches the sources, so
 * `npm start` can run the compiled entry points when they are current and tsx when they are not.
 * No esbuild here: `npm start` reads this on every start and only needs to hash files.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT, hashInputs, isUpToDate, packageVersion, writeStamp, type StampInput } from './stamps';

/** Every workspace folder (relative to the root) whose `src/` compiles to `dist/`, dependencies first. */
export const WORKSPACES = [
  'packages/common',
  'packages/seed-data',
  'packages/db-tools',
  'subgraphs/user',
  'subgraphs/product',
  'subgraphs/review',
  'subgraphs/cart',
  'subgraphs/order',
  'gateway',
] as const;

/**
 * The command-line scripts production needs (migrate, seed, compose): each is bundled with its
 * relative imports into `scripts/dist/<name>.js`; packages stay external, resolved at run time.
 */
export const SCRIPT_ENTRIES = ['scripts/db-migrate.ts', 'scripts/seed.ts', 'scripts/compose.ts'] as const;

/**
 * The Node.js condition under which `@commerce/*` packages resolve to their `dist/` (see each
 * workspace's package.json `exports`); without it they resolve to `src/*.ts`, for tsx, jest and tsc.
 */
export const DIST_CONDITION = 'commerce-dist';

/** `node` arguments that run a compiled entry point: the dist condition, and stack traces mapped back to the .ts sources. */
export const NODE_DIST_ARGS = [`--conditions=${DIST_CONDITION}`, '--enable-source-maps'] as const;

/** `src/a/b.ts` of a workspace → `dist/a/b.js`; a script `scripts/x.ts` → `scripts/dist/x.js`. */
export function compiledPath(source: string): string {
  const scripts = /^scripts\/([^/]+)\.ts$/.exec(source);
  if (scripts) return `scripts/dist/${scripts[1]}.js`;
  const match = /^(.*)\/src\/(.+)\.ts$/.exec(source);
  if (!match) throw new Error(`${source} is neither a workspace's src/ file nor a top-level script`);
  return `${match[1]}/dist/${match[2]}.js`;
}

/** Files under `dir` (relative to the root), recursively, sorted, skipping tests. */
export function sourceFiles(dir: string): string[] {
  const absolute = path.join(ROOT, dir);
  if (!existsSync(absolute)) return [];
  const files: string[] = [];
  for (const entry of readdirSync(absolute, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || /\.test\.ts$/.test(entry.name)) continue;
    files.push(path.relative(ROOT, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
  }
  return files.sort();
}

/** Every input of the build: sources (generated clients included), manifests, the build itself and esbuild's version. */
function buildInputs(): StampInput[] {
  return [
    ...WORKSPACES.flatMap((workspace) => [`${workspace}/package.json`, ...sourceFiles(`${workspace}/src`)]),
    ...sourceFiles('scripts').filter((file) => file.endsWith('.ts') && !file.startsWith('scripts/dist/')),
    'tsconfig.base.json',
  ]
    .map((file): StampInput => ({ file }))
    .concat({ value: packageVersion('esbuild') });
}

/** Outputs whose absence makes the build stale even with an unchanged stamp (a deleted `dist/`). */
const buildOutputs = (): string[] => [...WORKSPACES.map((workspace) => `${workspace}/dist/index.js`), ...SCRIPT_ENTRIES.map(compiledPath)];

/** Whether every `dist/` matches the current sources (stamped by the last successful `npm run build`). */
export const isBuildUpToDate = (): boolean => isUpToDate('build', hashInputs(buildInputs()), buildOutputs());

/** Compiled entry points when the build is current, else the TypeScript sources (`npm start`, the benchmarks). */
export const currentEntries = (): 'dist' | 'source' => (isBuildUpToDate() ? 'dist' : 'source');

/** Records a successful build of the current sources. */
export const markBuilt = (): void => writeStamp('build', hashInputs(buildInputs()));
