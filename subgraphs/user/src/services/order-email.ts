import type { OrderNotificationJob } from '@commerce/common';
import type { Email } from './mailer';

const formatMoney = (cents: number, currencyCode: string) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: currencyCode }).format(cents / 100);

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const REASONS: Record<string, string> = {
  OUT_OF_STOCK: 'an item in your order is out of stock',
  EMPTY_CART: 'your cart was empty',
  PRODUCT_NOT_FOUND: 'an item in your order is no longer sold',
};

/** Renders the email about an order's outcome (plain text and HTML). */
export function renderOrderEmail(job: OrderNotificationJob, recipient: { email: string; firstName: string }): Email {
  const ref = job.orderId.slice(0, 8).toUpperCase();
  const lines = job.lines.map((l) => ({ ...l, amount: formatMoney(l.lineTotalCents, job.currencyCode) }));
  const total = formatMoney(job.totalCents, job.currencyCode);
  if (job.kind === 'ORDER_CONFIRMED') {
    const text = [
      `Hi ${recipient.firstName},`,
      '',
      `your order ${ref} is confirmed.`,
      '',
      ...lines.map((l) => `  ${l.quantity} × ${l.title}  ${l.amount}`),
      '',
      `Total: ${total}`,
    ].join('\n');
    const html = `<p>Hi ${escapeHtml(recipient.firstName)},</p><p>your order <b>${ref}</b> is confirmed.</p><ul>${lines
      .map((l) => `<li>${l.quantity} × ${escapeHtml(l.title)} — ${l.amount}</li>`)
      .join('')}</ul><p>Total: <b>${total}</b></p>`;
    return { to: recipient.email, subject: `Order ${ref} confirmed`, text, html };
  }
  const reason = REASONS[job.failureReason ?? ''] ?? 'we could not complete it';
  const text = `Hi ${recipient.firstName},\n\nyour order ${ref} could not be placed: ${reason}. You have not been charged.`;
  const html = `<p>Hi ${escapeHtml(recipient.firstName)},</p><p>your order <b>${ref}</b> could not be placed: ${escapeHtml(reason)}. You have not been charged.</p>`;
  return { to: recipient.email, subject: `Order ${ref} could not be placed`, text, html };
}
