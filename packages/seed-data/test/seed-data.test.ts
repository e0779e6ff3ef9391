import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DEFAULT_DATA_DIR,
  SYNTHETIC_PASSWORD,
  categoryNameFromSlug,
  dollarsToCents,
  loadCatalog,
  percentToBasisPoints,
  syntheticCatalog,
  type DummyProduct,
  type DummyUser,
} from '../src';

function checkConsistency(products: DummyProduct[], users: DummyUser[]): void {
  const emails = new Set(users.map((u) => u.email));
  const reviews = products.flatMap((p) => p.reviews);
  expect(reviews.filter((r) => !emails.has(r.reviewerEmail))).toEqual([]);
  expect(new Set(products.map((p) => p.sku)).size).toBe(products.length);
  expect(new Set(users.map((u) => u.username)).size).toBe(users.length);
  expect(new Set(users.map((u) => u.email)).size).toBe(users.length);
  expect(products.some((p) => p.stock === 0)).toBe(true);
  for (const p of products) {
    // Every price and discount must survive the exact conversion used by the importer.
    expect(Number.isSafeInteger(dollarsToCents(p.price))).toBe(true);
    expect(Number.isSafeInteger(percentToBasisPoints(p.discountPercentage))).toBe(true);
  }
}

describe('the vendored DummyJSON catalog', () => {
  it('is in the repository, unmodified (every DummyJSON field kept), with its licence', async () => {
    expect(path.relative(path.resolve(__dirname, '..'), DEFAULT_DATA_DIR)).toBe(path.join('data', 'dummyjson'));
    const sha256 = async (name: string) =>
      createHash('sha256')
        .update(await readFile(path.join(DEFAULT_DATA_DIR, name)))
        .digest('hex');
    // The digests of DummyJSON's /products?limit=0 and /users?limit=0 as vendored (see data/dummyjson/README.md).
    expect(await sha256('products.json')).toBe('3de51f68955246ff09fdd0d776dc5f662d2f58a9e83794ff5064886a72424322');
    expect(await sha256('users.json')).toBe('7913b39dc797238e4f25d94bff69c9fc96d36694f7d695cab015fb016790ecd9');
    expect(await readFile(path.join(DEFAULT_DATA_DIR, 'LICENSE'), 'utf8')).toMatch(/^The MIT License \(MIT\)\s+DummyJSON/);
    const raw = JSON.parse(await readFile(path.join(DEFAULT_DATA_DIR, 'products.json'), 'utf8')) as Record<string, unknown>[];
    for (const field of ['weight', 'dimensions', 'shippingInformation', 'returnPolicy', 'warrantyInformation', 'availabilityStatus']) {
      expect(raw.every((p) => field in p)).toBe(true);
    }
  });

  it('is the default, whatever the working directory, and loads all products, reviews and users consistently', async () => {
    const previous = { cwd: process.cwd(), env: process.env.SEED_DATA_DIR };
    process.chdir(os.tmpdir());
    // Empty counts as unset, as for every other variable.
    process.env.SEED_DATA_DIR = '';
    try {
      const catalog = await loadCatalog();
      expect(catalog.source).toBe('dummyjson');
      expect(catalog.dataDir).toBe(DEFAULT_DATA_DIR);
      expect(catalog.products).toHaveLength(194);
      expect(new Set(catalog.products.map((p) => p.category)).size).toBe(24);
      expect(catalog.products.flatMap((p) => p.reviews)).toHaveLength(582);
      expect(catalog.users).toHaveLength(208);
      expect(catalog.products.filter((p) => p.brand === undefined).length).toBeGreaterThan(0);
      checkConsistency(catalog.products, catalog.users);
      expect(catalog.users[0]).toMatchObject({ username: 'emilys', password: 'emilyspass', role: 'admin' });
      // The README's examples.
      expect(catalog.users.find((u) => u.username === 'michaelw')).toMatchObject({ password: 'michaelwpass' });
      expect(catalog.products.filter((p) => /iphone/i.test(p.title)).length).toBeGreaterThan(1);
    } finally {
      process.chdir(previous.cwd);
      if (previous.env === undefined) delete process.env.SEED_DATA_DIR;
      else process.env.SEED_DATA_DIR = previous.env;
    }
  });

  it('strips fields outside the typed shape', async () => {
    const { products } = await loadCatalog({ dataDir: DEFAULT_DATA_DIR });
    expect(products[0]).not.toHaveProperty('minimumOrderQuantity');
    expect(products[0]).not.toHaveProperty('availabilityStatus');
    // Shipping data is kept: weight (kg), dimensions (cm) and the three texts.
    expect(products[0]).toMatchObject({
      weight: 4,
      dimensions: { width: 15.14, height: 13.08, depth: 22.99 },
      shippingInformation: 'Ships in 3-5 business days',
      returnPolicy: 'No return policy',
      warrantyInformation: '1 week warranty',
    });
    expect(Object.keys(products[0]!.meta)).toEqual(['createdAt']);
    expect(products[0]).not.toHaveProperty('barcode');
  });
});

describe('loadCatalog from another directory, and its errors', () => {
  let dir: string;
  let products: DummyProduct[];
  let users: DummyUser[];
  beforeAll(async () => {
    ({ products, users } = await loadCatalog({ dataDir: DEFAULT_DATA_DIR }));
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'seed-data-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names a missing directory instead of seeding something else', async () => {
    const missing = path.join(dir, 'does-not-exist');
    await expect(loadCatalog({ dataDir: missing })).rejects.toThrow(`${missing}: no such directory (the data directory)`);
  });

  it('honours SEED_DATA_DIR when no option is given', async () => {
    const previous = process.env.SEED_DATA_DIR;
    await writeFile(path.join(dir, 'products.json'), JSON.stringify(products.slice(0, 3)));
    await writeFile(path.join(dir, 'users.json'), JSON.stringify(users));
    try {
      process.env.SEED_DATA_DIR = dir;
      const catalog = await loadCatalog();
      expect(catalog).toMatchObject({ source: 'custom', dataDir: dir });
      expect(catalog.products.map((p) => p.id)).toEqual([1, 2, 3]);
      process.env.SEED_DATA_DIR = path.join(dir, 'missing');
      await expect(loadCatalog()).rejects.toThrow(/missing: no such directory \(SEED_DATA_DIR\)/);
    } finally {
      if (previous === undefined) delete process.env.SEED_DATA_DIR;
      else process.env.SEED_DATA_DIR = previous;
    }
  });

  it('accepts { products } / { users } wrappers', async () => {
    await writeFile(path.join(dir, 'products.json'), JSON.stringify({ products, total: products.length, skip: 0, limit: 0 }));
    await writeFile(path.join(dir, 'users.json'), JSON.stringify({ users }));
    const catalog = await loadCatalog({ dataDir: dir });
    expect(catalog).toEqual({ source: 'custom', dataDir: dir, products, users });
  });

  it('rejects a single page of a paginated API response', async () => {
    await writeFile(path.join(dir, 'products.json'), JSON.stringify({ products: products.slice(0, 30), total: products.length }));
    await writeFile(path.join(dir, 'users.json'), JSON.stringify(users));
    await expect(loadCatalog({ dataDir: dir })).rejects.toThrow(new RegExp(`products\\.json: holds 30 of ${products.length}`));
  });

  it('names the file and field of a malformed product', async () => {
    const broken = products.map((p, i) => (i === 3 ? { ...p, price: '9.99' } : p));
    await writeFile(path.join(dir, 'products.json'), JSON.stringify(broken));
    await writeFile(path.join(dir, 'users.json'), JSON.stringify(users));
    const error = await loadCatalog({ dataDir: dir }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toContain(path.join(dir, 'products.json'));
    expect(error!.message).toMatch(/\[3\]\.price: .*expected number/);
  });

  it('names the file when it is not JSON', async () => {
    await writeFile(path.join(dir, 'products.json'), '[{"id": 1,');
    await writeFile(path.join(dir, 'users.json'), '[]');
    await expect(loadCatalog({ dataDir: dir })).rejects.toThrow(/products\.json: not valid JSON/);
  });

  it('names the file when it is missing from an existing directory', async () => {
    await writeFile(path.join(dir, 'products.json'), '[]');
    await expect(loadCatalog({ dataDir: dir })).rejects.toThrow(/users\.json: cannot read/);
  });

  it('rejects duplicate SKUs and reviews by unknown users', async () => {
    await writeFile(path.join(dir, 'users.json'), JSON.stringify(users));
    const dupSku = products.map((p, i) => (i === 5 ? { ...p, sku: products[0]!.sku } : p));
    await writeFile(path.join(dir, 'products.json'), JSON.stringify(dupSku));
    await expect(loadCatalog({ dataDir: dir })).rejects.toThrow(/\[5\]\.sku: duplicate sku .*first at \[0\]/);

    const reviewer = products[0]!.reviews[0]!.reviewerEmail;
    await writeFile(path.join(dir, 'users.json'), JSON.stringify(users.filter((u) => u.email !== reviewer)));
    await writeFile(path.join(dir, 'products.json'), JSON.stringify(products));
    await expect(loadCatalog({ dataDir: dir })).rejects.toThrow(
      `products.json: reviews by unknown users\n  [0].reviews[0].reviewerEmail: ${reviewer}`,
    );
  });
});

describe('syntheticCatalog', () => {
  const all = (options: Parameters<typeof syntheticCatalog>[0]) => {
    const catalog = syntheticCatalog(options);
    return { users: catalog.users, products: [...catalog.productChunks()].flat(), counts: catalog.counts };
  };

  it('is deterministic, independent of the chunk size, and returns fresh objects', () => {
    const a = all({ products: 60, reviews: 300, users: 40, chunkSize: 7 });
    const b = all({ products: 60, reviews: 300, users: 40, chunkSize: 1000 });
    expect(a).toEqual(b);
    expect(a.products[0]).not.toBe(b.products[0]);
    // A different size changes the spread of reviews, not the users.
    expect(all({ products: 60, reviews: 200, users: 40 }).users).toEqual(a.users);
  });

  it('holds exactly the counts asked for, consistently, in the DummyJSON format', () => {
    const { users, products, counts } = all({ products: 250, reviews: 2000, users: 30, chunkSize: 64 });
    expect(counts).toEqual({ users: 30, products: 250, reviews: 2000 });
    expect(users).toHaveLength(30);
    expect(products.map((p) => p.id)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    const perProduct = products.map((p) => p.reviews.length);
    expect(perProduct.reduce((s, n) => s + n, 0)).toBe(2000);
    // Skewed, not uniform, and never two reviews of one product by one user.
    expect(Math.max(...perProduct)).toBeGreaterThan(2 * (2000 / 250));
    for (const p of products) expect(new Set(p.reviews.map((r) => r.reviewerEmail)).size).toBe(p.reviews.length);
    expect(users[0]).toEqual({
      id: 1,
      firstName: 'Emily',
      lastName: 'Johnson',
      email: 'emily.johnson@x.dummyjson.com',
      username: 'emilys',
      password: 'emilyspass',
      role: 'admin',
    });
    expect(users.slice(1).every((u) => u.password === SYNTHETIC_PASSWORD)).toBe(true);
    expect(new Set(users.map((u) => u.role))).toEqual(new Set(['admin', 'moderator', 'user']));
    checkConsistency(products, users);
    for (const p of products) {
      for (const r of p.reviews) expect([1, 2, 3, 4, 5]).toContain(r.rating);
      expect(p.stock).toBeGreaterThanOrEqual(0);
      expect(p.stock).toBeLessThanOrEqual(120);
      expect(dollarsToCents(p.price) / 100).toBe(p.price);
      expect(percentToBasisPoints(p.discountPercentage) / 100).toBe(p.discountPercentage);
      expect(p.weight).toBeGreaterThanOrEqual(1);
      expect(p.availabilityStatus).toBe(p.stock === 0 ? 'Out of Stock' : p.stock < 10 ? 'Low Stock' : 'In Stock');
      expect(p.shippingInformation).toMatch(/^Ships (overnight|in \d+(-\d+ business days| weeks?| months?))$/);
      expect(p.returnPolicy).toMatch(/^(No return policy|\d+ days return policy)$/);
      expect(p.warrantyInformation).toMatch(/warranty$/);
    }
    // Both kinds of return policy occur, so demo data exercises returnable and non-returnable products.
    expect(new Set(products.map((p) => p.returnPolicy === 'No return policy')).size).toBe(2);
  });

  it('defaults the users to a tenth of the reviews within 100…10 000', () => {
    expect(syntheticCatalog({ products: 10, reviews: 50 }).counts.users).toBe(100);
    expect(syntheticCatalog({ products: 10, reviews: 5000 }).counts.users).toBe(500);
  });

  it.each([
    [{ products: 0, reviews: 0 }, /products must be an integer ≥ 1/],
    [{ products: 10, reviews: -1 }, /reviews must be an integer ≥ 0/],
    [{ products: 1.5, reviews: 0 }, /products must be an integer/],
    [{ products: 10, reviews: 101, users: 10 }, /101 reviews need more than 10 products × 10 users/],
  ])('rejects %j', (options, message) => {
    expect(() => syntheticCatalog(options)).toThrow(message);
  });
});

describe('money', () => {
  it.each([
    [9.99, 999],
    [1.005, 101],
    [36999.99, 3699999],
    [0.79, 79],
    [0, 0],
    [-0, 0],
    [1.004, 100],
    [0.015, 2],
    [1e-7, 0],
    [123456789.12, 12345678912],
  ])('dollarsToCents(%p) = %p', (dollars, cents) => {
    expect(dollarsToCents(dollars)).toBe(cents);
  });

  it.each([
    [10.48, 1048],
    [7, 700],
    [12.345, 1235],
    [0.04, 4],
    [19.61, 1961],
  ])('percentToBasisPoints(%p) = %p', (percent, bp) => {
    expect(percentToBasisPoints(percent)).toBe(bp);
  });

  it.each([-0.01, NaN, Infinity, -Infinity])('rejects %p', (bad) => {
    expect(() => dollarsToCents(bad)).toThrow(RangeError);
    expect(() => percentToBasisPoints(bad)).toThrow(RangeError);
  });

  it('rejects results beyond the safe-integer range', () => {
    expect(() => dollarsToCents(Number.MAX_SAFE_INTEGER)).toThrow(RangeError);
    expect(() => dollarsToCents(1e21)).toThrow(RangeError);
  });
});

describe('categoryNameFromSlug', () => {
  it.each([
    ['womens-dresses', 'Womens Dresses'],
    ['home-decoration', 'Home Decoration'],
    ['beauty', 'Beauty'],
  ])('%s → %s', (slug, name) => {
    expect(categoryNameFromSlug(slug)).toBe(name);
  });
});
