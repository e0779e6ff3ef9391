import { z } from 'zod';
import { BadUserInputError } from '@commerce/common';
import type { Carrier } from '../db';

/** A shipment as the order keeps it: the carrier, its tracking number (normalized) and tracking page. */
export interface Tracking {
  carrier: Carrier;
  trackingNumber: string;
  trackingUrl: string;
}

interface CarrierRule {
  /** Loose shape of the carrier's numbers (after removing spaces and dashes, upper case). */
  number: z.ZodType<string>;
  /** The public tracking page; `{number}` is replaced by the URL-encoded tracking number. */
  template: string;
}

const shaped = (pattern: RegExp) => z.string().regex(pattern);

/**
 * Tracking number shapes and tracking pages per carrier. The shapes are deliberately loose: they
 * catch a number typed into the wrong carrier or a pasted URL, not every check digit.
 * UPS: "1Z" + 16 (ups.com "tracking number formats"); USPS: 20–22 digits (IMpb), or S10 "AA123456789US";
 * DHL Express: 10 digits, eCommerce/Parcel: 10–39 letters and digits starting with a letter
 * (GM…, JJD…, JVGL…); FedEx: 12, 15, 20 or 22 digits.
 */
export const CARRIERS: Readonly<Record<Carrier, CarrierRule>> = {
  UPS: { number: shaped(/^1Z[0-9A-Z]{16}$/), template: 'https://www.ups.com/track?loc=en_US&tracknum={number}' },
  USPS: {
    number: shaped(/^(\d{20,22}|[A-Z]{2}\d{9}US)$/),
    template: 'https://tools.usps.com/go/TrackConfirmAction?tLabels={number}',
  },
  DHL: {
    number: shaped(/^(\d{10}|[A-Z][0-9A-Z]{9,38})$/),
    template: 'https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={number}',
  },
  FEDEX: { number: shaped(/^(\d{12}|\d{15}|\d{20}|\d{22})$/), template: 'https://www.fedex.com/fedextrack/?trknbr={number}' },
};

/** Longest tracking number accepted before normalizing (characters). */
const MAX_INPUT_LENGTH = 64;

/** The number as carriers print it for reading (groups, lower case) reduced to what their systems store. */
export const normalizeTrackingNumber = (input: string) => input.replace(/[\s-]+/g, '').toUpperCase();

/** The tracking page of `trackingNumber` at `carrier`, the number URL-encoded into the carrier's template. */
export const trackingUrlOf = (carrier: Carrier, trackingNumber: string) =>
  CARRIERS[carrier].template.replace('{number}', encodeURIComponent(trackingNumber));

/**
 * Validates a tracking number for `carrier` (spaces and dashes removed, upper-cased) and builds its
 * tracking URL from the carrier's template.
 * @throws BadUserInputError (`field: "trackingNumber"`) when the number does not have the carrier's shape.
 */
export function trackingOf(carrier: Carrier, trackingNumber: string): Tracking {
  const normalized = trackingNumber.length <= MAX_INPUT_LENGTH ? normalizeTrackingNumber(trackingNumber) : '';
  if (!CARRIERS[carrier].number.safeParse(normalized).success) {
    throw new BadUserInputError(`trackingNumber is not a ${carrier} tracking number`, { field: 'trackingNumber' });
  }
  return { carrier, trackingNumber: normalized, trackingUrl: trackingUrlOf(carrier, normalized) };
}
