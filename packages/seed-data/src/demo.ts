import { Faker, base, en } from '@faker-js/faker';
import type { DummyProduct, DummyReview, DummyRole, DummyUser } from './types';

type ShippingFields = Pick<DummyProduct, 'weight' | 'dimensions' | 'shippingInformation' | 'returnPolicy' | 'warrantyInformation'>;

const SEED = 20250430;
/** Shipping fields come from their own sequence, so adding them left every other generated value as it was. */
const SHIPPING_SEED = 20251201;
// Dates are drawn relative to a reference date; a fixed one keeps output independent of "now".
const REF_DATE = new Date('2025-04-30T09:41:02.053Z');
const EMAIL_DOMAIN = 'x.dummyjson.com';
const USER_COUNT = 60;
const PRODUCTS_PER_CATEGORY = 10;

interface CategorySpec {
  slug: string;
  nouns: string[];
  /** Empty for categories that are unbranded in the real data (e.g. groceries). */
  brands: string[];
  /** Dollars. */
  minPrice: number;
  maxPrice: number;
}

const CATEGORIES: CategorySpec[] = [
  {
    slug: 'beauty',
    nouns: ['Mascara', 'Lipstick', 'Eyeshadow Palette', 'Nail Polish'],
    brands: ['Essence', 'Glamour Beauty', 'Velvet Touch'],
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
    brands: ['Annibale Colombo', 'Furniture Co.', 'Knoll'],
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
  {
    slug: 'mens-shirts',
    nouns: ['Oxford Shirt', 'Flannel Shirt', 'Polo Shirt'],
    brands: ['Fashion Trends', 'Gigabyte'],
    minPrice: 15,
    maxPrice: 90,
  },
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

const COMMENTS: Record<number, string[]> = {
  1: ['Very disappointed!', 'Would not recommend!', 'Poor quality!'],
  2: ['Not as described!', 'Waste of money!', 'Very unhappy with my purchase!'],
  3: ['Not worth the price!', 'It was okay.', 'Average at best.'],
  4: ['Very satisfied!', 'Great value for money!', 'Would buy again!'],
  5: ['Highly impressed!', 'Excellent quality!', 'Highly recommended!', 'Awesome product!'],
};

/** The documented login (README); kept identical to the real catalog's first user. */
const EMILY: DummyUser = {
  id: 1,
  firstName: 'Emily',
  lastName: 'Johnson',
  email: 'emily.johnson@x.dummyjson.com',
  username: 'emilys',
  password: 'emilyspass',
  role: 'admin',
};

// The texts the real catalog uses, so the parsers of handling time and return window see real shapes.
const SHIPPING_INFORMATION = [
  'Ships overnight',
  'Ships in 1-2 business days',
  'Ships in 3-5 business days',
  'Ships in 1 week',
  'Ships in 2 weeks',
  'Ships in 1 month',
];
const RETURN_POLICIES = [
  'No return policy',
  '7 days return policy',
  '30 days return policy',
  '60 days return policy',
  '90 days return policy',
];
const WARRANTIES = [
  'No warranty',
  '1 week warranty',
  '1 month warranty',
  '3 months warranty',
  '1 year warranty',
  '2 year warranty',
  'Lifetime warranty',
];

/** Whole kg 1–10 and cm with two decimals 5–30, the ranges of the real catalog. */
function generateShipping(faker: Faker): ShippingFields {
  const cm = () => faker.number.float({ min: 5, max: 30, fractionDigits: 2 });
  return {
    weight: faker.number.int({ min: 1, max: 10 }),
    dimensions: { width: cm(), height: cm(), depth: cm() },
    shippingInformation: faker.helpers.arrayElement(SHIPPING_INFORMATION),
    returnPolicy: faker.helpers.arrayElement(RETURN_POLICIES),
    warrantyInformation: faker.helpers.arrayElement(WARRANTIES),
  };
}

const ascii = (s: string): string =>
  s
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();

/** First three letters of a word, upper-cased and padded, as in real SKUs like `BEA-ESS-MAS-001`. */
const skuPart = (s: string): string => ascii(s).slice(0, 3).toUpperCase().padEnd(3, 'X');

const round2 = (n: number): number => Math.round(n * 100) / 100;

function generateUsers(faker: Faker): DummyUser[] {
  const users: DummyUser[] = [{ ...EMILY }];
  const usernames = new Set([EMILY.username]);
  const emails = new Set([EMILY.email]);
  for (let id = 2; id <= USER_COUNT; id++) {
    const firstName = faker.person.firstName();
    const lastName = faker.person.lastName();
    // Same shapes as the real data (`michaelw`, `michael.williams@...`), suffixed on collision.
    let username = ascii(firstName) + ascii(lastName).slice(0, 1);
    let email = `${ascii(firstName)}.${ascii(lastName)}@${EMAIL_DOMAIN}`;
    for (let n = 2; usernames.has(username) || emails.has(email); n++) {
      username = `${ascii(firstName)}${ascii(lastName).slice(0, 1)}${n}`;
      email = `${ascii(firstName)}.${ascii(lastName)}${n}@${EMAIL_DOMAIN}`;
    }
    usernames.add(username);
    emails.add(email);
    // Mirrors the real ordering: admins, then moderators, then everyone else.
    const role: DummyRole = id <= 2 ? 'admin' : id <= 5 ? 'moderator' : 'user';
    users.push({ id, firstName, lastName, email, username, password: `${username}pass`, role });
  }
  return users;
}

function generateReviews(faker: Faker, users: DummyUser[], createdAt: Date): DummyReview[] {
  // Distinct reviewers per product, so a user never reviews the same product twice.
  const reviewers = faker.helpers.arrayElements(users, { min: 1, max: 4 });
  return reviewers.map((user) => {
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

function generateProducts(faker: Faker, shipping: Faker, users: DummyUser[]): DummyProduct[] {
  const products: DummyProduct[] = [];
  for (const spec of CATEGORIES) {
    for (let i = 0; i < PRODUCTS_PER_CATEGORY; i++) {
      const id = products.length + 1;
      const noun = faker.helpers.arrayElement(spec.nouns);
      const brand = spec.brands.length > 0 ? faker.helpers.arrayElement(spec.brands) : undefined;
      const adjective = faker.helpers.arrayElement(ADJECTIVES);
      const title = [brand, adjective, noun].filter(Boolean).join(' ');
      const createdAt = faker.date.between({ from: '2024-01-01T00:00:00.000Z', to: REF_DATE });
      const reviews = generateReviews(faker, users, createdAt);
      const image = `https://dummyjson.com/image/400x400?text=${encodeURIComponent(title)}`;
      products.push({
        id,
        title,
        description: `${title}: ${faker.helpers.arrayElement(PITCHES)}.`,
        category: spec.slug,
        price: faker.number.float({ min: spec.minPrice, max: spec.maxPrice, fractionDigits: 2 }),
        discountPercentage: faker.number.float({ min: 0, max: 20, fractionDigits: 2 }),
        rating: round2(reviews.reduce((sum, r) => sum + r.rating, 0) / reviews.length),
        // Every 25th product is sold out so out-of-stock paths are always exercised.
        stock: id % 25 === 0 ? 0 : faker.number.int({ min: 0, max: 120 }),
        tags: [spec.slug.split('-').pop()!, ascii(noun)],
        // Omitted rather than undefined, matching the real files (and deep-equality with them).
        ...(brand === undefined ? {} : { brand }),
        sku: `${skuPart(spec.slug)}-${skuPart(brand ?? 'gen')}-${skuPart(noun)}-${String(id).padStart(3, '0')}`,
        images: [image],
        thumbnail: image,
        reviews,
        ...generateShipping(shipping),
        meta: { createdAt: createdAt.toISOString() },
      });
    }
  }
  return products;
}

/**
 * Builds a small catalog in the DummyJSON format for machines without the shared data set.
 * Output is fixed by a seed and a reference date, so every call returns deep-equal data (for a given
 * `@faker-js/faker` version; faker does not promise identical seeded output across versions).
 *
 * @returns 60 users — the first is always `emilys` / `emilyspass` (admin, id 1); id 2 is also
 *   admin and ids 3–5 are moderators — and 120 products across 12 categories (prices in dollars with 2 decimals,
 *   discounts in percent with 2 decimals, stock 0–120 with some at 0, unique SKUs, 1–4 reviews each
 *   by distinct demo users, weight 1–10 kg, dimensions 5–30 cm and the real catalog's shipping, return
 *   and warranty texts). Fresh objects on every call, so callers may mutate them.
 */
export function generateDemoCatalog(): { products: DummyProduct[]; users: DummyUser[] } {
  // A private instance: seeding the shared `faker` would change other callers' sequences.
  const faker = new Faker({ locale: [en, base] });
  faker.seed(SEED);
  faker.setDefaultRefDate(REF_DATE);
  const users = generateUsers(faker);
  const shipping = new Faker({ locale: [en, base] });
  shipping.seed(SHIPPING_SEED);
  const products = generateProducts(faker, shipping, users);
  return { products, users };
}
