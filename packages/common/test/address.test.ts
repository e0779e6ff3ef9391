import { DomainError, normalizeAddress, type AddressInput } from '../src';

const HOME: AddressInput = {
  fullName: 'Emily Johnson',
  line1: '626 Main Street',
  city: 'Phoenix',
  region: 'AZ',
  postalCode: '85001',
  countryCode: 'US',
};

/** The BAD_USER_INPUT error's `field`, or a failure when the call succeeds or throws something else. */
function rejectedField(input: AddressInput): unknown {
  try {
    normalizeAddress(input);
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('BAD_USER_INPUT');
    return (err as DomainError).details.field;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('normalizeAddress', () => {
  test('trims, upper-cases codes, maps blanks to null and stores phones as E.164', () => {
    expect(
      normalizeAddress({
        ...HOME,
        fullName: '  Emily Johnson ',
        line2: '   ',
        region: 'az',
        countryCode: ' us ',
        postalCode: ' 85001-1234 ',
        phone: '(602) 555-0143',
      }),
    ).toEqual({
      fullName: 'Emily Johnson',
      line1: '626 Main Street',
      line2: null,
      city: 'Phoenix',
      region: 'AZ',
      postalCode: '85001-1234',
      countryCode: 'US',
      phone: '+16025550143',
    });
  });

  test('a US state name becomes its code; territories, DC and military codes are states too', () => {
    expect(normalizeAddress({ ...HOME, region: 'California', postalCode: '94105' }).region).toBe('CA');
    for (const region of ['DC', 'PR', 'GU', 'VI', 'AE']) expect(normalizeAddress({ ...HOME, region }).region).toBe(region);
  });

  test('other countries: their postal formats, region optional and free, phone in international form', () => {
    expect(
      normalizeAddress({ fullName: 'Max Mustermann', line1: 'Unter den Linden 1', city: 'Berlin', postalCode: '10117', countryCode: 'de' }),
    ).toMatchObject({ countryCode: 'DE', region: null, postalCode: '10117', phone: null });
    expect(
      normalizeAddress({
        fullName: 'Jane Doe',
        line1: '10 Downing Street',
        city: 'London',
        region: 'Greater London',
        postalCode: 'sw1a   2aa',
        countryCode: 'GB',
        phone: '+44 20 7946 0958',
      }),
    ).toMatchObject({ postalCode: 'SW1A 2AA', region: 'Greater London', phone: '+442079460958' });
    // No postal code system: any plain code is kept rather than refused.
    expect(normalizeAddress({ fullName: 'A B', line1: 'Street 1', city: 'Dubai', postalCode: '00000', countryCode: 'AE' }).postalCode).toBe(
      '00000',
    );
  });

  test.each<[string, Partial<AddressInput>, string]>([
    ['unknown country', { countryCode: 'XX' }, 'countryCode'],
    ['alpha-3 country', { countryCode: 'USA' }, 'countryCode'],
    ['numeric country', { countryCode: '840' }, 'countryCode'],
    ['US postal code too short', { postalCode: '8500' }, 'postalCode'],
    ['German postal code in letters', { countryCode: 'DE', region: null, postalCode: 'ABCDE' }, 'postalCode'],
    ['UK postal code of wrong shape', { countryCode: 'GB', region: null, postalCode: '12345' }, 'postalCode'],
    ['missing US state', { region: null }, 'region'],
    ['blank US state', { region: '  ' }, 'region'],
    ['not a US state', { region: 'ZZ' }, 'region'],
    ['made-up phone', { phone: '+1 123 456' }, 'phone'],
    ['phone of letters', { phone: 'call me' }, 'phone'],
    ['blank name', { fullName: '   ' }, 'fullName'],
    ['line break in line1', { line1: 'Main St\nApt 4' }, 'line1'],
    ['overlong city', { city: 'x'.repeat(101) }, 'city'],
    ['overlong line2', { line2: 'x'.repeat(201) }, 'line2'],
  ])('%s → BAD_USER_INPUT naming the field', (_case, change, field) => {
    expect(rejectedField({ ...HOME, ...change })).toBe(field);
  });
});
