import { BadUserInputError } from './errors';
import { assertPlainText } from './text';

/**
 * The four validation libraries, loaded on the first address a process checks: together they cost
 * about a quarter of a second of CPU to load (every locale of i18n-iso-countries, libphonenumber's
 * "max" metadata), paid at start by every process that imports this module, most of which see an
 * address only on some requests.
 */
interface AddressLibraries {
  countries: typeof import('i18n-iso-countries');
  parsePhoneNumberFromString: typeof import('libphonenumber-js/max').parsePhoneNumberFromString;
  postcode: typeof import('postcode-validator');
  usRegions: ReadonlyMap<string, string>;
}
let loaded: AddressLibraries | undefined;

/* eslint-disable @typescript-eslint/no-require-imports -- synchronous on purpose: normalizeAddress stays a plain function */
function libraries(): AddressLibraries {
  if (loaded) return loaded;
  const { US } = require('country-region-data') as typeof import('country-region-data');
  loaded = {
    countries: require('i18n-iso-countries') as typeof import('i18n-iso-countries'),
    parsePhoneNumberFromString: (require('libphonenumber-js/max') as typeof import('libphonenumber-js/max')).parsePhoneNumberFromString,
    postcode: require('postcode-validator') as typeof import('postcode-validator'),
    usRegions: usRegionsOf(US),
  };
  return loaded;
}
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * A postal address as clients send it (the user subgraph's `AddressInput`, the order subgraph's
 * inline `shippingAddress`). `isDefaultShipping` is the address book's business, not the address's:
 * {@link normalizeAddress} ignores it.
 */
export interface AddressInput {
  fullName: string;
  line1: string;
  line2?: string | null;
  city: string;
  /** State, province or county; required for US (the USPS state code, or the state's name). */
  region?: string | null;
  postalCode: string;
  /** ISO 3166-1 alpha-2, any case. */
  countryCode: string;
  /** E.164 (`+14155552671`) or a national number of the address's country. */
  phone?: string | null;
  isDefaultShipping?: boolean | null;
}

/** An address that passed {@link normalizeAddress}: trimmed, upper-cased codes, blanks as null. */
export interface NormalizedAddress {
  fullName: string;
  line1: string;
  line2: string | null;
  city: string;
  /** For US, the 2-letter USPS state code, upper-case; elsewhere as given (trimmed) or null. */
  region: string | null;
  /** Upper-case, inner whitespace collapsed to single spaces (`SW1A 1AA`). */
  postalCode: string;
  /** ISO 3166-1 alpha-2, upper-case. */
  countryCode: string;
  /** E.164, or null when none was given. */
  phone: string | null;
}

/** Lengths in characters: generous for real addresses, small enough to keep labels printable. */
const LIMITS = { fullName: 100, line1: 200, line2: 200, city: 100, region: 100, postalCode: 20, phone: 32 } as const;
/** Where postcode-validator has no rule (countries without postal codes, such as AE), any code of this shape. */
const ANY_POSTAL_CODE = /^[A-Z0-9][A-Z0-9 -]*$/;

/**
 * US region codes by upper-case code and by upper-case name, from country-region-data's USPS list:
 * the 50 states, DC, the territories (PR, GU, VI, AS, MP), the freely associated states the USPS
 * serves (FM, MH, PW) and the military codes AA, AE, AP (APO/FPO addresses).
 */
const usRegionsOf = (US: typeof import('country-region-data').US): ReadonlyMap<string, string> =>
  new Map(
    US[2].flatMap(([name, code]) => [
      [code.toUpperCase(), code.toUpperCase()],
      [name.toUpperCase(), code.toUpperCase()],
    ]),
  );

const blankToNull = (value: string | null | undefined): string | null => {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
};

function required(value: string, field: keyof typeof LIMITS): string {
  const trimmed = value.trim();
  assertPlainText(trimmed, field, { max: LIMITS[field] });
  return trimmed;
}

function optional(value: string | null | undefined, field: keyof typeof LIMITS): string | null {
  const trimmed = blankToNull(value);
  if (trimmed !== null) assertPlainText(trimmed, field, { max: LIMITS[field] });
  return trimmed;
}

function countryCodeOf(value: string): string {
  const code = value.trim().toUpperCase();
  // i18n-iso-countries also accepts alpha-3 and numeric codes; the contract is alpha-2 only.
  if (!/^[A-Z]{2}$/.test(code) || !libraries().countries.isValid(code)) {
    throw new BadUserInputError(`countryCode must be an ISO 3166-1 alpha-2 code such as US or DE`, { field: 'countryCode' });
  }
  return code;
}

function regionOf(value: string | null | undefined, countryCode: string): string | null {
  const region = optional(value, 'region');
  if (countryCode !== 'US') return region;
  if (region === null) throw new BadUserInputError('region is required for US addresses (the state code, e.g. CA)', { field: 'region' });
  const code = libraries().usRegions.get(region.toUpperCase());
  if (!code) throw new BadUserInputError(`region ${region} is not a US state code`, { field: 'region' });
  return code;
}

function postalCodeOf(value: string, countryCode: string): string {
  const code = required(value, 'postalCode').toUpperCase().replace(/\s+/g, ' ');
  const { postcodeValidator, postcodeValidatorExistsForCountry } = libraries().postcode;
  const valid = postcodeValidatorExistsForCountry(countryCode) ? postcodeValidator(code, countryCode) : ANY_POSTAL_CODE.test(code);
  if (!valid) throw new BadUserInputError(`postalCode ${code} is not a valid postal code for ${countryCode}`, { field: 'postalCode' });
  return code;
}

function phoneOf(value: string | null | undefined, countryCode: string): string | null {
  const text = optional(value, 'phone');
  if (text === null) return null;
  // The "max" metadata checks number ranges, not only lengths, so a made-up number is refused.
  const { parsePhoneNumberFromString } = libraries();
  const phone = parsePhoneNumberFromString(text, countryCode as Parameters<typeof parsePhoneNumberFromString>[1]);
  if (!phone?.isValid()) {
    throw new BadUserInputError('phone must be a valid number in E.164 (+14155552671) or of the address country', { field: 'phone' });
  }
  return phone.number;
}

/**
 * Validates and normalizes a postal address, the same way wherever one enters the system (address
 * book, inline checkout address). Pure: no I/O.
 *
 * Rules: country is ISO 3166-1 alpha-2 (i18n-iso-countries); the postal code matches the country's
 * format where postcode-validator knows one (else letters, digits, spaces and hyphens); the region
 * is required for US and must be a USPS state code or state name (country-region-data), stored as the
 * code; a phone, when given, must be a valid number (libphonenumber-js, "max" metadata), stored as
 * E.164. Text fields are trimmed, single-line, with the lengths of {@link LIMITS}; blank optional
 * fields become null.
 *
 * @throws BadUserInputError with `extensions.field` naming the first offending field
 *   (`fullName`, `line1`, `line2`, `city`, `region`, `postalCode`, `countryCode`, `phone`).
 */
export function normalizeAddress(input: AddressInput): NormalizedAddress {
  const fullName = required(input.fullName, 'fullName');
  const line1 = required(input.line1, 'line1');
  const line2 = optional(input.line2, 'line2');
  const city = required(input.city, 'city');
  const countryCode = countryCodeOf(input.countryCode);
  return {
    fullName,
    line1,
    line2,
    city,
    region: regionOf(input.region, countryCode),
    postalCode: postalCodeOf(input.postalCode, countryCode),
    countryCode,
    phone: phoneOf(input.phone, countryCode),
  };
}

/**
 * A destination without a street address (shipping options for a country and state): the same
 * country and US-state rules as {@link normalizeAddress}.
 * @throws BadUserInputError naming `countryCode` or `region`.
 */
export function normalizeDestination(countryCode: string, region?: string | null): { countryCode: string; region: string | null } {
  const code = countryCodeOf(countryCode);
  return { countryCode: code, region: regionOf(region, code) };
}
