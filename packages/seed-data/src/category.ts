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
