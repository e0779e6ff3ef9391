import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { generateDemoCatalog } from './demo';
import type { DummyProduct, DummyUser } from './types';

/** A loaded catalog and where it came from. */
export interface Catalog {
  /** `dummyjson`: read from `dataDir`; `demo`: generated because no data directory exists. */
  source: 'dummyjson' | 'demo';
  /** Absolute directory the files were read from; absent for the demo catalog. */
  dataDir?: string;
  products: DummyProduct[];
  users: DummyUser[];
}

export interface LoadCatalogOptions {
  /** Directory holding `products.json` and `users.json`; relative paths resolve against the cwd. */
  dataDir?: string;
}

const REPO_ROOT = path.resolve(__dirname, '../../..');
/** The shared checkout sits next to the repository, not inside it: the data must not be committed. */
export const DEFAULT_DATA_DIR = path.resolve(REPO_ROOT, '../shared/data/dummyjson');

const isoDate = z.iso.datetime({ offset: true });

const reviewSchema = z.object({
  rating: z.int().min(1).max(5),
  comment: z.string(),
  date: isoDate,
  reviewerName: z.string().min(1),
  reviewerEmail: z.email(),
});

const productSchema = z.object({
  id: z.int().positive(),
  title: z.string().min(1),
  description: z.string(),
  category: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'expected a lower-case slug'),
  price: z.number().nonnegative(),
  discountPercentage: z.number().min(0).max(100),
  rating: z.number().min(0).max(5),
  stock: z.int().nonnegative(),
  tags: z.array(z.string()),
  brand: z.string().min(1).optional(),
  sku: z.string().min(1),
  images: z.array(z.string()),
  thumbnail: z.string(),
  reviews: z.array(reviewSchema),
  weight: z.number().nonnegative(),
  dimensions: z.object({ width: z.number().nonnegative(), height: z.number().nonnegative(), depth: z.number().nonnegative() }),
  shippingInformation: z.string().min(1).optional(),
  returnPolicy: z.string().min(1).optional(),
  warrantyInformation: z.string().min(1).optional(),
  meta: z.object({ createdAt: isoDate }),
}) satisfies z.ZodType<DummyProduct>;

const userSchema = z.object({
  id: z.int().positive(),
  firstName: z.string().min(1),
  lastName: z.string().min(1),
  email: z.email(),
  username: z.string().min(1),
  password: z.string().min(1),
  role: z.enum(['admin', 'moderator', 'user']),
}) satisfies z.ZodType<DummyUser>;

/** Importers upsert by these keys, so a duplicate would silently merge two records. */
function unique<T>(keys: (keyof T & string)[]) {
  return (items: T[], ctx: z.RefinementCtx): void => {
    for (const key of keys) {
      const seen = new Map<unknown, number>();
      items.forEach((item, index) => {
        const first = seen.get(item[key]);
        if (first === undefined) seen.set(item[key], index);
        else
          ctx.addIssue({
            code: 'custom',
            path: [index, key],
            message: `duplicate ${key} ${JSON.stringify(item[key])} (first at [${first}])`,
          });
      });
    }
  };
}

const productsSchema = z.array(productSchema).superRefine(unique<DummyProduct>(['id', 'sku']));
const usersSchema = z.array(userSchema).superRefine(unique<DummyUser>(['id', 'email', 'username']));

function formatIssues(file: string, issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 5).map((issue) => {
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    return `  ${where || '(root)'}: ${issue.message}`;
  });
  if (issues.length > shown.length) shown.push(`  ... and ${issues.length - shown.length} more`);
  return `${file}: invalid DummyJSON data\n${shown.join('\n')}`;
}

/**
 * Reads one file, accepting a bare array or the API's `{ [key]: [...] }` wrapper. The API pages by
 * 30 by default, so a wrapper whose `total` exceeds its length is rejected instead of half-imported.
 */
async function readList<T>(dataDir: string, name: 'products' | 'users', schema: z.ZodType<T[]>): Promise<T[]> {
  const file = path.join(dataDir, `${name}.json`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new Error(`${file}: cannot read (${(cause as Error).message})`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new Error(`${file}: not valid JSON (${(cause as Error).message})`, { cause });
  }
  if (json !== null && typeof json === 'object' && !Array.isArray(json) && name in json) {
    const wrapper = json as Record<string, unknown>;
    const list = wrapper[name];
    if (Array.isArray(list) && typeof wrapper.total === 'number' && wrapper.total > list.length) {
      throw new Error(`${file}: holds ${list.length} of ${wrapper.total} ${name}; re-export it with ?limit=0`);
    }
    json = list;
  }
  const result = schema.safeParse(json);
  if (!result.success) throw new Error(formatIssues(file, result.error.issues));
  return result.data;
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Loads the DummyJSON catalog, or the generated demo catalog when no data directory exists.
 *
 * The directory is `options.dataDir`, else `$SEED_DATA_DIR`, else {@link DEFAULT_DATA_DIR}
 * (`../shared/data/dummyjson` next to the repository). If that directory does not exist — e.g. a fresh
 * clone without the shared checkout — the result is `generateDemoCatalog()` with `source: 'demo'`;
 * callers that require the real data should check `source`.
 *
 * Each file may be a bare array or `{ products: [...] }` / `{ users: [...] }`. Fields outside
 * {@link DummyProduct} / {@link DummyUser} are dropped. Money stays in float dollars/percent; convert
 * with `dollarsToCents` / `percentToBasisPoints`.
 *
 * @throws Error naming the file and the problem when the directory exists but a file is missing,
 *   unreadable, not JSON, fails validation, has duplicate ids/SKUs/emails/usernames, or a review's
 *   `reviewerEmail` is not a user's email.
 */
export async function loadCatalog(options: LoadCatalogOptions = {}): Promise<Catalog> {
  const chosen = options.dataDir ?? process.env.SEED_DATA_DIR ?? DEFAULT_DATA_DIR;
  const dataDir = path.resolve(chosen);
  if (!(await isDirectory(dataDir))) {
    return { source: 'demo', ...generateDemoCatalog() };
  }
  const [products, users] = await Promise.all([readList(dataDir, 'products', productsSchema), readList(dataDir, 'users', usersSchema)]);
  // Reviews are imported as belonging to users, so an unknown reviewer would break the import later.
  const emails = new Set(users.map((u) => u.email));
  const orphans = products.flatMap((p, i) =>
    p.reviews.flatMap((r, j) =>
      emails.has(r.reviewerEmail) ? [] : [`  [${i}].reviews[${j}].reviewerEmail: ${r.reviewerEmail} is not in users.json`],
    ),
  );
  if (orphans.length > 0) {
    const more = orphans.length > 5 ? [`  ... and ${orphans.length - 5} more`] : [];
    throw new Error(`${path.join(dataDir, 'products.json')}: reviews by unknown users\n${[...orphans.slice(0, 5), ...more].join('\n')}`);
  }
  return { source: 'dummyjson', dataDir, products, users };
}
