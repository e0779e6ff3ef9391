/**
 * Turns a DummyJSON category slug into a display name: `womens-dresses` → `Womens Dresses`.
 * The data has no separate display names, and the slugs carry no apostrophes to restore.
 *
 * @param slug - lower-case, hyphen-separated category slug
 * @returns words capitalised and joined by single spaces
 */
export function categoryNameFromSlug(slug: string): string {
  return slug
    .split('-')
    .filter((word) => word.length > 0)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(' ');
}

/** A top-level department of the category tree and the DummyJSON category slugs below it. */
export interface Department {
  slug: string;
  name: string;
  children: readonly string[];
}

/**
 * The tree the catalog's 24 flat DummyJSON categories are seeded into. A category slug that no
 * department lists (a catalog other than DummyJSON's) is seeded at the top level.
 */
export const DEPARTMENTS: readonly Department[] = [
  { slug: 'electronics', name: 'Electronics', children: ['smartphones', 'laptops', 'tablets', 'mobile-accessories'] },
  {
    slug: 'women',
    name: 'Women',
    children: ['womens-dresses', 'womens-shoes', 'womens-bags', 'womens-jewellery', 'womens-watches', 'tops'],
  },
  { slug: 'men', name: 'Men', children: ['mens-shirts', 'mens-shoes', 'mens-watches'] },
  { slug: 'beauty-and-personal-care', name: 'Beauty & Personal Care', children: ['beauty', 'fragrances', 'skin-care'] },
  { slug: 'home-and-kitchen', name: 'Home & Kitchen', children: ['furniture', 'home-decoration', 'kitchen-accessories'] },
  { slug: 'food-and-grocery', name: 'Food & Grocery', children: ['groceries'] },
  { slug: 'sports-and-outdoors', name: 'Sports & Outdoors', children: ['sports-accessories', 'sunglasses'] },
  { slug: 'vehicles', name: 'Vehicles', children: ['vehicle', 'motorcycle'] },
];
