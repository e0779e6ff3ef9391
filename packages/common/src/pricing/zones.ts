import type { ShippingZone } from './types';

/** The EU-27 member states (ISO 3166-1 alpha-2; Greece is GR), plus GB, CH and NO: the EUROPE zone (issue 10). */
const EUROPE = new Set([
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
  'GB',
  'CH',
  'NO',
]);

/** The shipping zone of an ISO 3166-1 alpha-2 country code: US → DOMESTIC; EU-27, GB, CH, NO → EUROPE; else INTERNATIONAL. */
export function zoneOf(countryCode: string): ShippingZone {
  const code = countryCode.toUpperCase();
  if (code === 'US') return 'DOMESTIC';
  return EUROPE.has(code) ? 'EUROPE' : 'INTERNATIONAL';
}
