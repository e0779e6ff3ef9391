import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DEFAULT_DATA_DIR,
  categoryNameFromSlug,
  dollarsToCents,
  generateDemoCatalog,
  loadCatalog,
  percentToBasisPoints,
  type DummyProduct,
  type DummyUser,
} from '../src';

const REAL_DIR = process.env.SEED_DATA_DIR ?? DEFAULT_DATA_DIR;
// The shared data is not part of the repository; a fresh clone without it skips these checks.
const describeReal = existsSync(path.join(REAL_DIR, 'products.json')) ? describe : describe.skip;

function checkConsistency(products: DummyProduct[], users: DummyUser[]): void {
  const emails = new Set(users.map((u) => u.email));
  const reviews = products.flatMap((p) => p.reviews);
  expect(reviews.filter((r) => !emails.has(r.reviewerEmail))).toEqual([]);
  expect(new Set(products.map((p) => p.sku)).size).toBe(products.length);
  expect(new Set(users.map((u) => u.username)).size).toBe(users.length);
  expect(products.some((p) => p.stock === 0)).toBe(true);
  for (const p of products) {
    // Every price and discount must survive the exact conversion used by the importer.
    expect(Number.isSafeInteger(dollarsToCents(p.price))).toBe(true);
    expect(Number.isSafeInteger(percentToBasisPoints(p.discountPercentage))).toBe(true);
  }
}

describeReal('real DummyJSON catalog', () => {
  it('loads all products, reviews and users consistently', async () => {
    const catalog = await loadCatalog({ dataDir: REAL_DIR });
    expect(catalog.source).toBe('dummyjson');
    expect(catalog.dataDir).toBe(path.resolve(REAL_DIR));
    expect(catalog.products).toHaveLength(194);
    expect(new Set(catalog.products.map((p) => p.category)).size).toBe(24);
    expect(catalog.products.flatMap((p) => p.reviews)).toHaveLength(582);
    expect(catalog.users).toHaveLength(208);
    expect(catalog.products.filter((p) => p.brand === undefined).length).toBeGreaterThan(0);
    checkConsistency(catalog.products, catalog.users);
    expect(catalog.users[0]).toMatchObject({ username: 'emilys', password: 'emilyspass', role: 'admin' });
  });

  it('strips fields outside the typed shape', async () => {
    const { products } = await loadCatalog({ dataDir: REAL_DIR });
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
  });
});

describe('loadCatalog fallback and errors', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'seed-data-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('falls back to the demo catalog when the directory is missing', async () => {
    const catalog = await loadCatalog({ dataDir: path.join(dir, 'does-not-exist') });
    expect(catalog.source).toBe('demo');
    expect(catalog.dataDir).toBeUndefined();
    expect({ products: catalog.products, users: catalog.users }).toEqual(generateDemoCatalog());
  });

  it('honours SEED_DATA_DIR when no option is given', async () => {
    const previous = process.env.SEED_DATA_DIR;
    process.env.SEED_DATA_DIR = path.join(dir, 'missing');
    try {
      expect((await loadCatalog()).source).toBe('demo');
    } finally {
      if (previous === undefined) delete process.env.SEED_DATA_DIR;
      else process.env.SEED_DATA_DIR = previous;
    }
  });

  it('accepts { products } / { users } wrappers', async () => {
    const { products, users } = generateDemoCatalog();
    await writeFile(path.join(dir, 'products.json'), JSON.stringify({ products, total: products.length, skip: 0, limit: 0 }));
    await writeFile(path.join(dir, 'users.json'), JSON.stringify({ users }));
    const catalog = await loadCatalog({ dataDir: dir });
    expect(catalog).toEqual({ source: 'dummyjson', dataDir: dir, products, users });
  });

  it('rejects a single page of a paginated API response', async () => {
    const { products, users } = generateDemoCatalog();
    await writeFile(path.join(dir, 'products.json'), JSON.stringify({ products: products.slice(0, 30), total: 120 }));
    await writeFile(path.join(dir, 'users.json'), JSON.stringify(users));
    await expect(loadCatalog({ dataDir: dir })).rejects.toThrow(/products\.json: holds 30 of 120/);
  });

  it('names the file and field of a malformed product', async () => {
    const { products, users } = generateDemoCatalog();
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
    const { products, users } = generateDemoCatalog();
    await writeFile(path.join(dir, 'users.json'), JSON.stringify(users));
    const dupSku = products.map((p, i) => (i === 5 ? { ...p, sku: products[0]!.sku } : p));
    await writeFile(path.join(dir, 'products.json'), JSON.stringify(dupSku));
    await expect(loadCatalog({ dataDir: dir })).rejects.toThrow(/\[5\]\.sku: duplicate sku .*first at \[0\]/);

    await writeFile(path.join(dir, 'users.json'), JSON.stringify(users.slice(1)));
    await writeFile(path.join(dir, 'products.json'), JSON.stringify(products));
    await expect(loadCatalog({ dataDir: dir })).rejects.toThrow(/products\.json: reviews by unknown users/);
  });
});

describe('generateDemoCatalog', () => {
  it('is deterministic and returns fresh objects', () => {
    const a = generateDemoCatalog();
    const b = generateDemoCatalog();
    expect(a).toEqual(b);
    expect(a.products[0]).not.toBe(b.products[0]);
  });

  it('matches the documented shape and is internally consistent', () => {
    const { products, users } = generateDemoCatalog();
    expect(users[0]).toEqual({
      id: 1,
      firstName: 'Emily',
      lastName: 'Johnson',
      email: 'emily.johnson@x.dummyjson.com',
      username: 'emilys',
      password: 'emilyspass',
      role: 'admin',
    });
    expect(users.length).toBeGreaterThanOrEqual(50);
    expect(users.some((u) => u.role === 'moderator')).toBe(true);
    expect(products.length).toBeGreaterThanOrEqual(100);
    expect(new Set(products.map((p) => p.category)).size).toBe(12);
    checkConsistency(products, users);
    for (const p of products) {
      expect(p.reviews.length).toBeGreaterThanOrEqual(1);
      expect(p.reviews.length).toBeLessThanOrEqual(4);
      for (const r of p.reviews) expect([1, 2, 3, 4, 5]).toContain(r.rating);
      expect(p.stock).toBeGreaterThanOrEqual(0);
      expect(p.stock).toBeLessThanOrEqual(120);
      expect(dollarsToCents(p.price) / 100).toBe(p.price);
      expect(percentToBasisPoints(p.discountPercentage) / 100).toBe(p.discountPercentage);
      expect(Number.isInteger(p.weight) && p.weight >= 1 && p.weight <= 10).toBe(true);
      for (const cm of Object.values(p.dimensions)) expect(cm >= 5 && cm <= 30 && Math.round(cm * 100) / 100 === cm).toBe(true);
      expect(p.shippingInformation).toMatch(/^Ships (overnight|in \d+(-\d+ business days| weeks?| months?))$/);
      expect(p.returnPolicy).toMatch(/^(No return policy|\d+ days return policy)$/);
      expect(p.warrantyInformation).toMatch(/warranty$/);
    }
    // Both kinds of return policy occur, so demo data exercises returnable and non-returnable products.
    expect(new Set(products.map((p) => p.returnPolicy === 'No return policy')).size).toBe(2);
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
