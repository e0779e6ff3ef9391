import { BadUserInputError } from '@commerce/common';
import { CARRIERS, trackingOf, trackingUrlOf } from '../src/services/tracking';

/** A number each carrier issues (from the carriers' published examples), as a clerk might type it. */
const SAMPLES = {
  UPS: ['1z 999 aa1 0123456784', '1Z999AA10123456784'],
  USPS: ['9400 1000 0000 0000 0000 00', '9400100000000000000000'],
  DHL: ['1234567890', '1234567890'],
  FEDEX: ['1234-5678-9012', '123456789012'],
} as const;

test.each(Object.entries(SAMPLES))(
  '%s: the typed number is normalized and its tracking page built from the template',
  (carrier, [typed, stored]) => {
    const c = carrier as keyof typeof SAMPLES;
    const tracking = trackingOf(c, typed);
    expect(tracking.trackingNumber).toBe(stored);
    expect(tracking.trackingUrl).toBe(CARRIERS[c].template.replace('{number}', stored));
    expect(new URL(tracking.trackingUrl).protocol).toBe('https:');
  },
);

test("a number of another carrier's shape, a pasted URL, an empty or an overlong number are BAD_USER_INPUT naming trackingNumber", () => {
  for (const [carrier, number] of [
    ['UPS', '123456789012'],
    ['FEDEX', '1Z999AA10123456784'],
    ['USPS', '1234'],
    ['DHL', 'https://example.com/?x=1'],
    ['UPS', ''],
    ['DHL', 'A'.repeat(65)],
  ] as const) {
    let error: unknown;
    try {
      trackingOf(carrier, number);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BadUserInputError);
    expect((error as BadUserInputError).details).toEqual({ field: 'trackingNumber' });
  }
});

test('the number is URL-encoded into the template, so it can never add a parameter or leave the carrier', () => {
  const url = new URL(trackingUrlOf('DHL', 'AB&tracking-id=evil#x'));
  expect(url.host).toBe('www.dhl.com');
  expect(url.searchParams.getAll('tracking-id')).toEqual(['AB&tracking-id=evil#x']);
  expect(url.hash).toBe('');
});
