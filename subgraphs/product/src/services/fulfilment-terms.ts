/**
 * Shipping, returns and tax terms derived from a product's catalog data. Pure functions: the texts
 * are DummyJSON's (`shippingInformation`, `returnPolicy`), the rules are issue 10's contract.
 */

/** Handling time when `shippingInformation` is absent or says nothing we can read. */
export const DEFAULT_HANDLING_DAYS = 3;
/** Business days in a week and in a month, for "Ships in 2 weeks" / "Ships in 1 month". */
const BUSINESS_DAYS = { week: 5, month: 20 } as const;
/** Calendar days in a week and in a month, for return windows written in weeks or months. */
const CALENDAR_DAYS = { week: 7, month: 30 } as const;

/** The category whose subtree is taxed at the REDUCED rate (groceries: food in most tax systems). */
export const REDUCED_TAX_CATEGORY_SLUG = 'groceries';

export type TaxCategory = 'STANDARD' | 'REDUCED';

/**
 * Business days before dispatch: `Ships overnight` → 1, `Ships in N-M business days` → M (the
 * promise is "by M"), `N business days` → N, `N week(s)` → 5·N, `N month(s)` → 20·N; anything else,
 * or no text, → {@link DEFAULT_HANDLING_DAYS}.
 */
export function handlingDays(shippingInformation: string | null): number {
  const text = shippingInformation?.toLowerCase() ?? '';
  if (/\bovernight\b/.test(text)) return 1;
  const range = /\b(\d+)\s*-\s*(\d+)\s+business\s+days?\b/.exec(text);
  if (range) return Math.max(Number(range[1]), Number(range[2]));
  const single = /\b(\d+)\s+(business\s+days?|weeks?|months?)\b/.exec(text);
  if (!single) return DEFAULT_HANDLING_DAYS;
  const n = Number(single[1]);
  const unit = single[2]!;
  return unit.startsWith('week') ? n * BUSINESS_DAYS.week : unit.startsWith('month') ? n * BUSINESS_DAYS.month : n;
}

/**
 * Calendar days a delivered item may be returned: `30 days return policy` → 30 (weeks → 7·N,
 * months → 30·N). Null when the product is not returnable: `No return policy`, no text, or a text
 * that names no period (a return we cannot bound is not promised).
 */
export function returnWindowDays(returnPolicy: string | null): number | null {
  const text = returnPolicy?.toLowerCase() ?? '';
  if (text === '' || /^\s*no\b/.test(text)) return null;
  const period = /\b(\d+)\s+(days?|weeks?|months?)\b/.exec(text);
  if (!period) return null;
  const n = Number(period[1]);
  if (n === 0) return null;
  const unit = period[2]!;
  return unit.startsWith('week') ? n * CALENDAR_DAYS.week : unit.startsWith('month') ? n * CALENDAR_DAYS.month : n;
}

/**
 * REDUCED when the product's category or one of its ancestors is {@link REDUCED_TAX_CATEGORY_SLUG},
 * else STANDARD.
 * @param categoryPath - slugs of the category and its ancestors (any order)
 */
export function taxCategoryOf(categoryPath: readonly string[]): TaxCategory {
  return categoryPath.includes(REDUCED_TAX_CATEGORY_SLUG) ? 'REDUCED' : 'STANDARD';
}
