import { DEFAULT_HANDLING_DAYS, handlingDays, returnWindowDays, taxCategoryOf } from '../src/services/fulfilment-terms';

describe('handlingDays (business days before dispatch)', () => {
  test.each([
    ['Ships overnight', 1],
    ['Ships in 1-2 business days', 2],
    ['Ships in 3-5 business days', 5],
    ['Ships in 10 - 14 business days', 14],
    ['Ships in 4 business days', 4],
    ['Ships in 1 week', 5],
    ['Ships in 2 weeks', 10],
    ['Ships in 1 month', 20],
    ['SHIPS IN 3 MONTHS', 60],
  ])('%s → %i', (text, days) => {
    expect(handlingDays(text)).toBe(days);
  });

  test.each([[null], [''], ['Ships soon'], ['Ships in a few days']])('%p → the default', (text) => {
    expect(handlingDays(text)).toBe(DEFAULT_HANDLING_DAYS);
    expect(DEFAULT_HANDLING_DAYS).toBe(3);
  });
});

describe('returnWindowDays (calendar days)', () => {
  test.each([
    ['7 days return policy', 7],
    ['30 days return policy', 30],
    ['90 days return policy', 90],
    ['1 day return policy', 1],
    ['2 weeks return policy', 14],
    ['1 month return policy', 30],
  ])('%s → %i', (text, days) => {
    expect(returnWindowDays(text)).toBe(days);
  });

  test.each([[null], [''], ['No return policy'], ['no returns, 30 days warranty'], ['Returns accepted'], ['0 days return policy']])(
    '%p → not returnable (null)',
    (text) => {
      expect(returnWindowDays(text)).toBeNull();
    },
  );
});

describe('taxCategoryOf', () => {
  test('groceries and anything below it is REDUCED; everything else STANDARD', () => {
    expect(taxCategoryOf(['food-and-grocery', 'groceries'])).toBe('REDUCED');
    expect(taxCategoryOf(['food-and-grocery', 'groceries', 'fresh-fruit'])).toBe('REDUCED');
    expect(taxCategoryOf(['food-and-grocery'])).toBe('STANDARD');
    expect(taxCategoryOf(['electronics', 'smartphones'])).toBe('STANDARD');
    expect(taxCategoryOf([])).toBe('STANDARD');
  });
});
