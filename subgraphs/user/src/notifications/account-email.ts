import type { AccountTokenPurpose } from '../services/account-tokens';
import { ACCOUNT_TOKEN_TTL_SECONDS } from '../services/account-tokens';
import type { Recipient, NotificationMessage } from './channels';
import { escapeHtml } from './order-email';

/** Paths of the storefront pages that take a link token (`?token=`), under PUBLIC_URL. */
export const ACCOUNT_LINK_PATHS: Record<AccountTokenPurpose, string> = {
  EMAIL_VERIFICATION: '/verify-email',
  PASSWORD_RESET: '/reset-password',
};

const TEMPLATES: Record<AccountTokenPurpose, { subject: string; lead: string; action: string; after: string }> = {
  EMAIL_VERIFICATION: {
    subject: 'Confirm your email address',
    lead: 'please confirm that this is your email address by opening this link:',
    action: 'Confirm my email address',
    after: 'If you did not create an account, ignore this email.',
  },
  PASSWORD_RESET: {
    subject: 'Reset your password',
    lead: 'someone (we hope you) asked to reset the password of your account. Choose a new one here:',
    action: 'Choose a new password',
    after: 'If you did not ask for this, ignore this email: your password stays as it is.',
  },
};

/**
 * `https://shop.example` + `/reset-password?token=…`; a PUBLIC_URL with a path keeps it
 * (`https://example.com/shop/reset-password?token=…`). The token is base64url, safe in a query.
 */
export function accountLink(publicUrl: string, purpose: AccountTokenPurpose, token: string): string {
  const base = publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`;
  const url = new URL(ACCOUNT_LINK_PATHS[purpose].slice(1), base);
  url.searchParams.set('token', token);
  return url.toString();
}

/**
 * The email carrying a link token (plain text and the same as HTML): greeting, the link, how long
 * it works (from {@link ACCOUNT_TOKEN_TTL_SECONDS}), that it works once.
 */
export function renderAccountEmail(purpose: AccountTokenPurpose, recipient: Recipient, link: string): NotificationMessage {
  const t = TEMPLATES[purpose];
  const minutes = ACCOUNT_TOKEN_TTL_SECONDS[purpose] / 60;
  const validity = `The link works once, for ${minutes >= 120 ? `${minutes / 60} hours` : `${minutes} minutes`}.`;
  const text = [`Hi ${recipient.firstName},`, '', t.lead, '', link, '', validity, t.after].join('\n');
  const html = [
    `<p>Hi ${escapeHtml(recipient.firstName)},</p>`,
    `<p>${escapeHtml(t.lead)}</p>`,
    `<p><a href="${escapeHtml(link)}">${escapeHtml(t.action)}</a></p>`,
    `<p>${escapeHtml(validity)} ${escapeHtml(t.after)}</p>`,
  ].join('');
  return { to: recipient, subject: t.subject, text, html };
}
