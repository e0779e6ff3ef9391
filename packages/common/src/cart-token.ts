import type { IncomingHttpHeaders } from 'node:http';

/**
 * Header carrying a guest's cart token (returned once by `createGuestCart`) from the client through
 * the gateway to the cart and user subgraphs. The gateway forwards the client's value unchanged: it
 * is a bearer secret the client chose to send, never proof of identity, so subgraphs check it
 * against their own records exactly as they would a client argument.
 */
export const CART_TOKEN_HEADER = 'x-cart-token';

/** The X-Cart-Token value of a request, or undefined when absent or empty (a repeated header: the first). */
export function cartTokenFrom(headers: IncomingHttpHeaders): string | undefined {
  const raw = headers[CART_TOKEN_HEADER];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return value ? value : undefined;
}
