import { Faker, base, en } from '@faker-js/faker';
import type { DummyProduct, DummyReview, DummyRole, DummyUser } from './types';

const SEED = 20250430;
// Dates are drawn relative to a reference date; a fixed one keeps output independent of "now".
const REF_DATE = new Date('2025-04-30T09:41:02.053Z');
const EMAIL_DOMAIN = 'synthetic.example';
/** Every synthetic user but the first signs in with this password, so seeding hashes it once. */
export const SYNTHETIC_PASSWORD = 'syntheticpass';

interface CategorySpec {
  slug: string;
  nouns: readonly string[];
  /** Empty for categories that are unbranded in the real data (e.g. groceries). */
  brands: readonly string[];
  /** Dollars. */
  minPrice: number;
  maxPrice: number;
}

/** DummyJSON category slugs (so the seed's department tree applies), with plausible names and prices. */
const CATEGORIES: readonly CategorySpec[] = [
  {
    slug: 'beauty',
    nouns: ['Mascara', 'Lipstick', 'Eyeshadow Palette', 'Nail Polish'],
    brands: ['Essence', 'Glamour Beauty'],
    minPrice: 4,
    maxPrice: 40,
  },
  {
    slug: 'fragrances',
    nouns: ['Eau de Parfum', 'Eau de Toilette', 'Body Mist'],
    brands: ['Calvin Klein', 'Chanel', 'Dior'],
    minPrice: 20,
    maxPrice: 160,
  },
  {
    slug: 'furniture',
    nouns: ['Sofa', 'Bed Frame', 'Office Chair', 'Bedside Table'],
    brands: ['Annibale Colombo', 'Knoll'],
    minPrice: 80,
    maxPrice: 2500,
  },
  { slug: 'groceries', nouns: ['Apples', 'Rice', 'Olive Oil', 'Cucumber', 'Honey Jar'], brands: [], minPrice: 0.5, maxPrice: 25 },
  { slug: 'home-decoration', nouns: ['Table Lamp', 'Wall Clock', 'Plant Pot', 'Photo Frame'], brands: [], minPrice: 8, maxPrice: 120 },
  { slug: 'kitchen-accessories', nouns: ['Chopping Board', 'Whisk', 'Frying Pan', 'Spice Rack'], brands: [], minPrice: 3, maxPrice: 90 },
  {
    slug: 'laptops',
    nouns: ['Laptop', 'Notebook', 'Ultrabook'],
    brands: ['Apple', 'Asus', 'Lenovo', 'Dell'],
    minPrice: 450,
    maxPrice: 3500,
  },
  { slug: 'mens-shirts', nouns: ['Oxford Shirt', 'Flannel Shirt', 'Polo Shirt'], brands: ['Fashion Trends'], minPrice: 15, maxPrice: 90 },
  {
    slug: 'smartphones',
    nouns: ['Smartphone', 'Phone Pro', 'Phone Mini'],
    brands: ['Apple', 'Samsung', 'Oppo', 'Vivo'],
    minPrice: 150,
    maxPrice: 1500,
  },
  { slug: 'sports-accessories', nouns: ['Football', 'Tennis Racket', 'Yoga Mat', 'Cricket Bat'], brands: [], minPrice: 5, maxPrice: 150 },
  {
    slug: 'womens-dresses',
    nouns: ['Maxi Dress', 'Summer Dress', 'Evening Gown'],
    brands: ['Dress Me', 'Fashion Diva'],
    minPrice: 25,
    maxPrice: 300,
  },
  {
    slug: 'womens-watches',
    nouns: ['Watch', 'Smartwatch', 'Chronograph'],
    brands: ['Fossil', 'Rolex', 'IWC'],
    minPrice: 60,
    maxPrice: 16000,
  },
];

// faker's commerce adjectives include "Unbranded"/"Generic", which read oddly after a brand.
const ADJECTIVES = ['Classic', 'Compact', 'Deluxe', 'Elegant', 'Essential', 'Premium', 'Modern', 'Sleek', 'Vintage', 'Everyday'];
const PITCHES = [
  'built to last and easy to care for',
  'a customer favourite at a fair price',
  'designed for everyday use',
  'made from carefully selected materials',
  'a thoughtful gift for friends and family',
];
const COMMENTS: Record<number, readonly string[]> = {
  1: ['Very disappointed!', 'Would not recommend!', 'Poor quality!'],
  2: ['Not as described!', 'Waste of money!', 'Very unhappy with my purchase!'],
  3: ['Not worth the price!', 'It was okay.', 'Average at best.'],
  4: ['Very satisfied!', 'Great value for money!', 'Would buy again!'],
  5: ['Highly impressed!', 'Excellent quality!', 'Highly recommended!', 'Awesome product!'],
};
// The value sets of the DummyJSON catalog's shipping and returns fields.
const WARRANTIES = [
  'No warranty',
  '1 week warranty',
  '1 month warranty',
  '3 months warranty',
  '6 months warranty',
  '1 year warranty',
  '2 year warranty',
  '5 year warranty',
  'Lifetime warranty',
];
const SHIPPING = [
  'Ships overnight',
  'Ships in 1-2 business days',
  'Ships in 3-5 business days',
  'Ships in 1 week',
  'Ships in 2 weeks',
  'Ships in 1 month',
];
const RETURNS = ['No return policy', '7 days return policy', '30 days return policy', '60 days return policy', '90 days return policy'];

/** The documented login, identical to the real catalog's first user, so it works on both catalogs. */
const EMILY: DummyUser = {
  id: 1,
  firstName: 'Emily',
  lastName: 'Johnson',
  email: 'emily.johnson@x.dummyjson.com',
  username: 'emilys',
  password: 'emilyspass',
  role: 'admin',
};

/** The DummyJSON fields that shipping and returns use; the seed imports them where the product schema has them. */
export interface ShippingFields {
  /** Kilograms, whole numbers 1–10 as in DummyJSON. */
  weight: number;
  /** Centimetres, two decimals. */
  dimensions: { width: number; height: number; depth: number };
  shippingInformation: string;
  returnPolicy: string;
  warrantyInformation: string;
  availabilityStatus: 'In Stock' | 'Low Stock' | 'Out of Stock';
  minimumOrderQuantity: number;
}

/** A generated product: the DummyJSON format, every field the real files carry for shipping included. */
export type SyntheticProduct = DummyProduct & ShippingFields;

export interface SyntheticCatalogOptions {
  /** Products to generate, ids 1…n (≥ 1). */
  products: number;
  /** Reviews in all, spread unevenly over the products (some get none); at most `products × users`. */
  reviews: number;
  /** Users, ids 1…n (≥ 1); default `reviews / 10` clamped to 100…10 000. */
  users?: number;
  /** Products per chunk yielded by {@link SyntheticCatalog.productChunks} (default 1 000). */
  chunkSize?: number;
}

export interface SyntheticCatalog {
  /** All users: id 1 is `emilys` / `emilyspass` (admin), ids 2–3 admins, 4–10 moderators, the rest customers, all with {@link SYNTHETIC_PASSWORD}. */
  users: DummyUser[];
  /**
   * The products in id order, `chunkSize` at a time, generated lazily so that a million reviews
   * never sit in memory at once. Every call starts over and yields deep-equal data.
   */
  productChunks(): Generator<SyntheticProduct[]>;
  /** Exactly what the chunks hold in all. */
  counts: { users: number; products: number; reviews: number };
}

const ascii = (s: string): string =>
  s
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();

/** First three letters of a word, upper-cased and padded, as in real SKUs like `BEA-ESS-MAS-001`. */
const skuPart = (s: string): string => ascii(s).slice(0, 3).toUpperCase().padEnd(3, 'X');

const round2 = (n: number): number => Math.round(n * 100) / 100;

function seededFaker(seed: number): Faker {
  // A private instance: seeding the shared `faker` would change other callers' sequences.
  const faker = new Faker({ locale: [en, base] });
  faker.seed(seed);
  faker.setDefaultRefDate(REF_DATE);
  return faker;
}

function generateUsers(count: number): DummyUser[] {
  const faker = seededFaker(SEED);
  const users: DummyUser[] = [{ ...EMILY }];
  for (let id = 2; id <= count; id++) {
    const firstName = faker.person.firstName();
    const lastName = faker.person.lastName();
    // The id keeps usernames and emails unique however often faker repeats a name.
    const username = `${ascii(firstName)}${ascii(lastName).slice(0, 1)}${id}`;
    const role: DummyRole = id <= 3 ? 'admin' : id <= 10 ? 'moderator' : 'user';
    users.push({
      id,
      firstName,
      lastName,
      email: `${ascii(firstName)}.${ascii(lastName)}.${id}@${EMAIL_DOMAIN}`,
      username,
      password: SYNTHETIC_PASSWORD,
      role,
    });
  }
  return users;
}

/**
 * How many reviews each product gets: skewed (weights u², u uniform, so a few products collect
 * many and some none, as in real shops), summing to exactly `total`, none above `cap` reviewers.
 */
function reviewCounts(products: number, total: number, cap: number): Uint32Array {
  const faker = seededFaker(SEED + 1);
  const weights = Float64Array.from({ length: products }, () => faker.number.float() ** 2);
  const sum = weights.reduce((s, w) => s + w, 0) || 1;
  const counts = new Uint32Array(products);
  let given = 0;
  for (let i = 0; i < products; i++) {
    counts[i] = Math.min(cap, Math.floor((total * weights[i]!) / sum));
    given += counts[i]!;
  }
  // Flooring leaves up to `products` unassigned; hand them out round-robin below the cap.
  for (let i = 0; given < total; i = (i + 1) % products) {
    if (counts[i]! < cap) {
      counts[i]!++;
      given++;
    }
  }
  return counts;
}

function generateReviews(faker: Faker, users: readonly DummyUser[], count: number, createdAt: Date): DummyReview[] {
  // Consecutive users from a random start: distinct reviewers in O(count), where sampling would shuffle all users.
  const start = faker.number.int({ min: 0, max: users.length - 1 });
  return Array.from({ length: count }, (_, k) => {
    const user = users[(start + k) % users.length]!;
    const rating = faker.number.int({ min: 1, max: 5 });
    return {
      rating,
      comment: faker.helpers.arrayElement(COMMENTS[rating]!),
      date: faker.date.between({ from: createdAt, to: REF_DATE }).toISOString(),
      reviewerName: `${user.firstName} ${user.lastName}`,
      reviewerEmail: user.email,
    };
  });
}

function generateProduct(faker: Faker, id: number, reviewCount: number, users: readonly DummyUser[]): SyntheticProduct {
  // Reseeded per product, so a product does not depend on the chunk size or on the products before it.
  faker.seed(SEED + 2 + id);
  const spec = CATEGORIES[(id - 1) % CATEGORIES.length]!;
  const noun = faker.helpers.arrayElement(spec.nouns);
  const brand = spec.brands.length > 0 ? faker.helpers.arrayElement(spec.brands) : undefined;
  const title = [brand, faker.helpers.arrayElement(ADJECTIVES), noun].filter(Boolean).join(' ');
  const createdAt = faker.date.between({ from: '2024-01-01T00:00:00.000Z', to: REF_DATE });
  const reviews = generateReviews(faker, users, reviewCount, createdAt);
  // Every 25th product is sold out so out-of-stock paths are always exercised.
  const stock = id % 25 === 0 ? 0 : faker.number.int({ min: 1, max: 120 });
  const image = `https://dummyjson.com/image/400x400?text=${encodeURIComponent(title)}`;
  const dimension = () => faker.number.float({ min: 5, max: 30, fractionDigits: 2 });
  return {
    id,
    title,
    description: `${title}: ${faker.helpers.arrayElement(PITCHES)}.`,
    category: spec.slug,
    price: faker.number.float({ min: spec.minPrice, max: spec.maxPrice, fractionDigits: 2 }),
    discountPercentage: faker.number.float({ min: 0, max: 20, fractionDigits: 2 }),
    rating: reviews.length === 0 ? 0 : round2(reviews.reduce((sum, r) => sum + r.rating, 0) / reviews.length),
    stock,
    tags: [spec.slug.split('-').pop()!, ascii(noun)],
    // Omitted rather than undefined, matching the real files.
    ...(brand === undefined ? {} : { brand }),
    sku: `${skuPart(spec.slug)}-${skuPart(brand ?? 'gen')}-${skuPart(noun)}-${String(id).padStart(6, '0')}`,
    images: [image],
    thumbnail: image,
    reviews,
    meta: { createdAt: createdAt.toISOString() },
    weight: faker.number.int({ min: 1, max: 10 }),
    dimensions: { width: dimension(), height: dimension(), depth: dimension() },
    shippingInformation: faker.helpers.arrayElement(SHIPPING),
    returnPolicy: faker.helpers.arrayElement(RETURNS),
    warrantyInformation: faker.helpers.arrayElement(WARRANTIES),
    availabilityStatus: stock === 0 ? 'Out of Stock' : stock < 10 ? 'Low Stock' : 'In Stock',
    minimumOrderQuantity: faker.number.int({ min: 1, max: 10 }),
  };
}

/**
 * A large catalog in the DummyJSON format for scale benchmarks (`npm run db:seed -- --synthetic`).
 * Deterministic: the same options give deep-equal data on every call and machine (for a given
 * `@faker-js/faker` version; faker does not promise identical seeded output across versions).
 *
 * Products cycle through 12 DummyJSON categories (prices in dollars with 2 decimals, discounts in
 * percent with 2 decimals, stock 0–120 with every 25th product at 0, unique SKUs); each product's
 * reviews are by distinct users.
 *
 * @throws RangeError when a count is not a positive integer (reviews may be 0) or `reviews`
 *   exceeds `products × users` (a user reviews a product at most once).
 */
export function syntheticCatalog(options: SyntheticCatalogOptions): SyntheticCatalog {
  const { products, reviews, chunkSize = 1000 } = options;
  const users = options.users ?? Math.min(10_000, Math.max(100, Math.ceil(reviews / 10)));
  for (const [name, value, min] of [
    ['products', products, 1],
    ['reviews', reviews, 0],
    ['users', users, 1],
    ['chunkSize', chunkSize, 1],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < min)
      throw new RangeError(`syntheticCatalog: ${name} must be an integer ≥ ${min}, got ${value}`);
  }
  if (reviews > products * users) {
    throw new RangeError(
      `syntheticCatalog: ${reviews} reviews need more than ${products} products × ${users} users (one review per user and product)`,
    );
  }
  const userList = generateUsers(users);
  const counts = reviewCounts(products, reviews, users);
  return {
    users: userList,
    counts: { users, products, reviews },
    *productChunks() {
      const faker = seededFaker(SEED + 2);
      for (let first = 1; first <= products; first += chunkSize) {
        const last = Math.min(products, first + chunkSize - 1);
        const chunk: SyntheticProduct[] = [];
        for (let id = first; id <= last; id++) chunk.push(generateProduct(faker, id, counts[id - 1]!, userList));
        yield chunk;
      }
    },
  };
}
