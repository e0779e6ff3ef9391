/**
 * Input stamps for `npm start`: a step whose inputs (files, package versions, settings) hash to the
 * value recorded after its last successful run, and whose outputs still exist, is skipped. Stamps
 * live in `node_modules/.cache/commerce-start/`, so a fresh clone or `rm -rf node_modules` runs
 * every step again, and nothing of it is committed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Absolute path of the monorepo root (this file is `scripts/lib/stamps.ts`). */
export const ROOT = path.resolve(__dirname, '../..');

/** Folder that holds one `<step>.json` per stamped step. */
export const STAMP_DIR = path.join(ROOT, 'node_modules', '.cache', 'commerce-start');

/** One input of a step: a file of the repository (relative to its root), or a literal value. */
export type StampInput = { file: string } | { value: string };

/** `version` of an installed package, or `missing` (a changed install still changes the hash). */
export function packageVersion(name: string): string {
  try {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version?: string };
    return `${name}@${manifest.version ?? 'unknown'}`;
  } catch {
    return `${name}@missing`;
  }
}

/**
 * SHA-256 (hex) over every input in order, each framed by its kind and name so that moving bytes
 * from one input to the next changes the hash. A missing file hashes as missing, not as empty.
 */
export function hashInputs(inputs: readonly StampInput[]): string {
  const hash = createHash('sha256');
  for (const input of inputs) {
    if ('file' in input) {
      const file = path.join(ROOT, input.file);
      const content = existsSync(file) ? readFileSync(file) : null;
      hash.update(`file:${input.file}:${content === null ? 'missing' : content.length}\0`);
      if (content !== null) hash.update(content);
    } else {
      hash.update(`value:${input.value.length}\0${input.value}`);
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}

const stampPath = (step: string) => path.join(STAMP_DIR, `${step}.json`);

/** The hash recorded for `step`, or undefined when it never ran here (or its stamp is unreadable). */
export function readStamp(step: string): string | undefined {
  try {
    const { hash } = JSON.parse(readFileSync(stampPath(step), 'utf8')) as { hash?: unknown };
    return typeof hash === 'string' ? hash : undefined;
  } catch {
    return undefined;
  }
}

/** Records that `step` succeeded with inputs hashing to `hash`. */
export function writeStamp(step: string, hash: string): void {
  mkdirSync(STAMP_DIR, { recursive: true });
  writeFileSync(stampPath(step), `${JSON.stringify({ hash, at: new Date().toISOString() })}\n`);
}

/**
 * Whether `step` can be skipped: its stamp equals `hash` and every one of `outputs` (paths relative
 * to the repository root) exists.
 */
export function isUpToDate(step: string, hash: string, outputs: readonly string[] = []): boolean {
  return readStamp(step) === hash && outputs.every((output) => existsSync(path.join(ROOT, output)));
}
