import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/**
 * argon2id hashes of the vendored catalog's demo passwords, computed once
 * (`npm run db:seed -- --write-password-hashes`) so that seeding does not spend 208 memory-hard hashes
 * (~3 s of both cores) on every fresh database. Each is a full-strength PHC string; the passwords
 * they protect are public anyway (plain text in `dummyjson/users.json`).
 */
export const PASSWORD_HASHES_FILE = path.resolve(__dirname, '../data/password-hashes.json');

const fileSchema = z.object({
  $comment: z.string().optional(),
  /** Plain-text password → PHC string. */
  hashes: z.record(z.string().min(1), z.string().startsWith('$argon2')),
});

/**
 * Reads {@link PASSWORD_HASHES_FILE}.
 * @returns password → argon2 PHC hash; empty when the file does not exist.
 * @throws Error naming the file when it exists but is not JSON of the expected shape.
 */
export async function loadPasswordHashes(file = PASSWORD_HASHES_FILE): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  let parsed;
  try {
    parsed = fileSchema.parse(JSON.parse(text));
  } catch (cause) {
    throw new Error(`${file}: not a password-hash file (${(cause as Error).message})`, { cause });
  }
  return new Map(Object.entries(parsed.hashes));
}

/** Writes `hashes` (password → PHC hash) to {@link PASSWORD_HASHES_FILE}, sorted, so regenerating it diffs cleanly. */
export async function writePasswordHashes(hashes: ReadonlyMap<string, string>, file = PASSWORD_HASHES_FILE): Promise<void> {
  const sorted = Object.fromEntries([...hashes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const body = {
    $comment:
      'argon2id hashes of the demo passwords in dummyjson/users.json (public), so seeding need not compute them; regenerate with `npm run db:seed -- --write-password-hashes`.',
    hashes: sorted,
  };
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
}
