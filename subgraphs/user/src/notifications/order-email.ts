import type { OrderNotificationJob, OrderNotificationKind, ReturnNotificationKind } from '@commerce/common';
import type { Email } from './mailer';

/** `cents` as money in `currencyCode` (ISO 4217), e.g. 123456, USD → `$1,234.56`. */
export const formatMoney = (cents: number, currencyCode: string) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: currencyCode }).format(cents / 100);

/** The order number customers see: the first 8 characters of the order id, upper-cased. */
export const orderNumber = (orderId: string) => orderId.slice(0, 8).toUpperCase();

/** `s` safe inside HTML text and attribute values. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const REASONS: Record<string, string> = {
  OUT_OF_STOCK: 'an item in your order is out of stock',
  EMPTY_CART: 'your cart was empty',
  PRODUCT_NOT_FOUND: 'an item in your order is no longer sold',
  PAYMENT_DECLINED: 'your payment was declined',
};

/** Carriers as customers know their names. */
const CARRIER_NAMES: Record<string, string> = { UPS: 'UPS', USPS: 'USPS', DHL: 'DHL', FEDEX: 'FedEx' };
const carrierName = (carrier: string) => CARRIER_NAMES[carrier] ?? carrier;

interface Template {
  subject: (ref: string) => string;
  /** The sentence after the greeting; `total` is the formatted order total. */
  headline: (ref: string, job: OrderNotificationJob, total: string) => string;
}

const refundOf = (job: OrderNotificationJob) => formatMoney(job.refundCents ?? 0, job.currencyCode);
const because = (job: OrderNotificationJob) => (job.note ? ` (${job.note})` : '');

const TEMPLATES: Record<OrderNotificationKind | ReturnNotificationKind, Template> = {
  ORDER_CONFIRMED: {
    subject: (ref) => `Order ${ref} confirmed`,
    headline: (ref) => `your order ${ref} is confirmed. Thank you for shopping with us.`,
  },
  ORDER_FAILED: {
    subject: (ref) => `Order ${ref} could not be placed`,
    headline: (ref, job) =>
      `your order ${ref} could not be placed: ${REASONS[job.failureReason ?? ''] ?? 'we could not complete it'}. You have not been charged.`,
  },
  ORDER_CANCELLED: {
    subject: (ref) => `Order ${ref} cancelled`,
    headline: (ref, _job, total) => `your order ${ref} has been cancelled. ${total} is being refunded to your original payment method.`,
  },
  ORDER_SHIPPED: {
    subject: (ref) => `Order ${ref} shipped`,
    headline: (ref, job) =>
      job.tracking
        ? `good news: your order ${ref} is on its way with ${carrierName(job.tracking.carrier)}, tracking number ${job.tracking.trackingNumber}.`
        : `good news: your order ${ref} is on its way.`,
  },
  ORDER_DELIVERED: {
    subject: (ref) => `Order ${ref} delivered`,
    headline: (ref) => `your order ${ref} has been delivered. We hope you enjoy it.`,
  },
  // [returns, issue 11 item 5] the lines listed are the returned ones.
  RETURN_REQUESTED: {
    subject: (ref) => `Return requested for order ${ref}`,
    headline: (ref) => `we have received your return request for order ${ref}. We will let you know once it has been reviewed.`,
  },
  RETURN_APPROVED: {
    subject: (ref) => `Return approved for order ${ref}`,
    headline: (ref, job) => `your return for order ${ref} is approved. ${refundOf(job)} is being refunded to your original payment method.`,
  },
  RETURN_REJECTED: {
    subject: (ref) => `Return declined for order ${ref}`,
    headline: (ref, job) => `we could not accept your return for order ${ref}${because(job)}. Reply to this email if you have questions.`,
  },
  REFUND_ISSUED: {
    subject: (ref) => `Refund issued for order ${ref}`,
    headline: (ref, job) => `we have refunded ${refundOf(job)} for order ${ref}${because(job)} to your original payment method.`,
  },
};

/**
 * Renders the email about an order event (plain text and the same content as HTML): recipient,
 * order number, line items (quantity × title, line total) and the order total, money formatted
 * from integer cents in the order's currency; for a shipped order the carrier, tracking number and
 * a link to the carrier's tracking page.
 */
export function renderOrderEmail(job: OrderNotificationJob, recipient: { email: string; firstName: string }): Email {
  const template = TEMPLATES[job.kind];
  const ref = orderNumber(job.orderId);
  const total = formatMoney(job.totalCents, job.currencyCode);
  const headline = template.headline(ref, job, total);
  const lines = job.lines.map((l) => ({ ...l, amount: formatMoney(l.lineTotalCents, job.currencyCode) }));
  const listed = lines.length > 0;
  const text = [
    `Hi ${recipient.firstName},`,
    '',
    headline,
    ...(listed ? ['', ...lines.map((l) => `  ${l.quantity} × ${l.title}  ${l.amount}`), '', `Total: ${total}`] : []),
    ...(job.tracking ? ['', `Track your package: ${job.tracking.trackingUrl}`] : []),
    '',
    `Order number: ${ref} (${job.orderId})`,
  ].join('\n');
  const html = [
    `<p>Hi ${escapeHtml(recipient.firstName)},</p>`,
    `<p>${escapeHtml(headline).replace(ref, `<b>${ref}</b>`)}</p>`,
    listed
      ? `<ul>${lines.map((l) => `<li>${l.quantity} × ${escapeHtml(l.title)} — ${l.amount}</li>`).join('')}</ul><p>Total: <b>${total}</b></p>`
      : '',
    job.tracking
      ? `<p><a href="${escapeHtml(job.tracking.trackingUrl)}">Track your package</a> (${escapeHtml(carrierName(job.tracking.carrier))} ${escapeHtml(job.tracking.trackingNumber)})</p>`
      : '',
    `<p>Order number: ${ref} (${escapeHtml(job.orderId)})</p>`,
  ].join('');
  return { to: recipient.email, subject: template.subject(ref), text, html };
}
