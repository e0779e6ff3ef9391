import { applyBasisPoints } from './rounding';
import type { Destination, TaxCategory } from './types';
import { zoneOf } from './zones';

/**
 * Default tax rules of issue 10, in basis points; catalog prices are tax-exclusive and tax is by
 * destination. Code constants rather than data: they change with law, rarely, and a change should
 * be reviewed and tested like code; no admin edits them at run time (the shipping table is data).
 */
const US_STATE_RATES: Readonly<Record<string, number>> = { CA: 725, NY: 400, TX: 625, WA: 650 };
/** EUROPE countries with their own rates: [standard, reduced]; the rest of the zone 2000 / 1000. */
const EUROPE_RATES: Readonly<Record<string, readonly [number, number]>> = { DE: [1900, 700], FR: [2000, 550], GB: [2000, 0] };
const EUROPE_DEFAULT: readonly [number, number] = [2000, 1000];

/** What is taxed: a merchandise line of a tax category, or the shipping charge. */
export type Taxable = { kind: 'LINE'; taxCategory: TaxCategory } | { kind: 'SHIPPING' };

/**
 * The tax rate in basis points for `taxable` shipped to `destination`:
 * US by state (CA 725, NY 400, TX 625, WA 650, others 0), REDUCED lines and shipping 0;
 * DE 1900 / 700, FR 2000 / 550, GB 2000 / 0, other EUROPE 2000 / 1000, shipping at the standard rate;
 * INTERNATIONAL 0.
 */
export function taxRate(destination: Destination, taxable: Taxable): number {
  const country = destination.countryCode.toUpperCase();
  switch (zoneOf(country)) {
    case 'DOMESTIC':
      if (taxable.kind === 'SHIPPING' || taxable.taxCategory === 'REDUCED') return 0;
      return US_STATE_RATES[(destination.region ?? '').toUpperCase()] ?? 0;
    case 'EUROPE': {
      const [standard, reduced] = EUROPE_RATES[country] ?? EUROPE_DEFAULT;
      return taxable.kind === 'LINE' && taxable.taxCategory === 'REDUCED' ? reduced : standard;
    }
    case 'INTERNATIONAL':
      return 0;
  }
}

/** The tax jurisdiction as shown on a tax line: `US-CA` for a US state, else the country code. */
export const jurisdictionOf = (d: Destination): string =>
  d.countryCode.toUpperCase() === 'US' && d.region ? `US-${d.region.toUpperCase()}` : d.countryCode.toUpperCase();

/** Tax of an amount: half-up(amount × rate / 10000), in cents. */
export const taxOf = (amountCents: number, rateBasisPoints: number): number => applyBasisPoints(amountCents, rateBasisPoints);
