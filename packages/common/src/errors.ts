import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';

/**
 * Error codes clients rely on (`extensions.code`). The generic ones follow Apollo Server's
 * conventions; the rest are domain codes of this supergraph.
 */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  /** The same idempotency key was sent with a different request (Stripe: idempotency_key_in_use / parameters mismatch). */
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  /** The order's status does not allow the requested transition. */
  INVALID_ORDER_STATE: 'INVALID_ORDER_STATE',
  /** The account is suspended by an admin: it cannot sign in or refresh (issue 11). */
  ACCOUNT_SUSPENDED: 'ACCOUNT_SUSPENDED',
  /** Too many requests or sign-in attempts; `extensions.retryAfterSeconds` says when to try again. */
  RATE_LIMITED: 'RATE_LIMITED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /**
   * The X-Cart-Token (or mergeCart's token) names no guest cart this caller may use: malformed,
   * unknown, expired, or already merged into another account. Forget it; createGuestCart makes a new one.
   */
  INVALID_CART_TOKEN: 'INVALID_CART_TOKEN',
  /**
   * A service this operation needs is down, refused the call or did not answer in time (its circuit
   * breaker is open, or the call failed on the network or with a 5xx); `extensions.retryable: true`.
   * Try again later (with the same idempotencyKey for a checkout).
   */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /**
   * The gateway could not get this field's data: its subgraph did not answer (down, or over
   * SUBGRAPH_TIMEOUT_MS; `extensions.timedOut` says which). Other fields still resolve.
   * `extensions.retryable: true`: a mutation that timed out may have been carried out, so retry it
   * with the same idempotencyKey (checkout), which returns what the first attempt did.
   */
  SUBGRAPH_UNAVAILABLE: 'SUBGRAPH_UNAVAILABLE',
  // Refusals of the HTTP layer before GraphQL runs (Apollo Server's names where it has one).
  /** A malformed request: not a GraphQL request object, bad JSON, a CSRF-suspect request (Apollo Server: BAD_REQUEST). */
  BAD_REQUEST: 'BAD_REQUEST',
  /** The request body is over the gateway's cap (HTTP 413, RFC 9110 §15.5.14). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The body's media type (or charset, or encoding) is not one the route serves (HTTP 415, RFC 9110 §15.5.16). */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** The route does not serve this method or mode (HTTP 405, RFC 9110 §15.5.6). */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** The route cannot answer in a media type the `accept` header allows (HTTP 406, RFC 9110 §15.5.7). */
  NOT_ACCEPTABLE: 'NOT_ACCEPTABLE',
  /** Automatic persisted queries: the hash is not known here; send the query with it (Apollo Server, status 200). */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** Automatic persisted queries: not served (SSE) or not in this version; send the full query (Apollo Server's code). */
  PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
  /** No coupon has this code. */
  COUPON_NOT_FOUND: 'COUPON_NOT_FOUND',
  /** The coupon was disabled, or is outside validFrom..validUntil. */
  COUPON_EXPIRED: 'COUPON_EXPIRED',
  /** No line of the cart is in the coupon's categories. */
  COUPON_NOT_ELIGIBLE: 'COUPON_NOT_ELIGIBLE',
  /** The merchandise subtotal is below the coupon's minSubtotal. */
  COUPON_MIN_SUBTOTAL: 'COUPON_MIN_SUBTOTAL',
  /** The coupon's usageLimit or perCustomerLimit is reached. */
  COUPON_USAGE_LIMIT: 'COUPON_USAGE_LIMIT',
  // [returns, issue 11 item 5]
  /** A line's product has no return policy ("No return policy"); `extensions.productId` names it. */
  NOT_RETURNABLE: 'NOT_RETURNABLE',
  /** The line's return window (days after delivery) is over; `extensions.productId`, `returnWindowDays`. */
  RETURN_WINDOW_CLOSED: 'RETURN_WINDOW_CLOSED',
  /** The return is not REQUESTED any more (already approved or rejected); `extensions.status`. */
  INVALID_RETURN_STATE: 'INVALID_RETURN_STATE',
  /** The refund is more than what is left of the capture; `extensions.refundableCents`. */
  REFUND_EXCEEDS_CAPTURE: 'REFUND_EXCEEDS_CAPTURE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base of every error that is safe to show to a client: its message and code are public. */
export class DomainError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'Sign in to do this') {
    super(message, ErrorCode.UNAUTHENTICATED);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'You are not allowed to do this') {
    super(message, ErrorCode.FORBIDDEN);
  }
}

export class BadUserInputError extends DomainError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, ErrorCode.BAD_USER_INPUT, details);
  }
}

export class NotFoundError extends DomainError {
  constructor(entity: string, id: string | number) {
    super(`${entity} ${id} not found`, ErrorCode.NOT_FOUND, { entity, id: String(id) });
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, ErrorCode.CONFLICT, details);
  }
}

/**
 * An idempotency key came back with a different request than the one that first used it.
 * Stripe answers this case with an error rather than replaying (docs.stripe.com/idempotency).
 */
export class IdempotencyKeyReusedError extends DomainError {
  constructor(message = 'This idempotencyKey was already used for a different checkout') {
    super(message, ErrorCode.IDEMPOTENCY_KEY_REUSED);
  }
}

/** A transition the order lifecycle does not allow from the order's current status; nothing changed. */
export class InvalidOrderStateError extends DomainError {
  constructor(orderId: string, status: string, wanted: string) {
    super(`Order ${orderId} is ${status} and cannot become ${wanted}`, ErrorCode.INVALID_ORDER_STATE, { status, wanted });
  }
}

/** The account is SUSPENDED: no sign-in, no refresh; its open sessions were ended. */
export class AccountSuspendedError extends DomainError {
  constructor(message = 'This account is suspended') {
    super(message, ErrorCode.ACCOUNT_SUSPENDED);
  }
}

/** A rate limit or sign-in throttle refused the request; nothing was done. Retry after `retryAfterSeconds`. */
export class RateLimitedError extends DomainError {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many requests; try again later',
  ) {
    super(message, ErrorCode.RATE_LIMITED, { retryAfterSeconds });
  }
}

/** A guest cart token that names no cart the caller may use; nothing changed (no cart is created in its place). */
export class InvalidCartTokenError extends DomainError {
  constructor(message = 'This cart token names no guest cart; create a new guest cart') {
    super(message, ErrorCode.INVALID_CART_TOKEN);
  }
}

/** Why a coupon does not apply (issue 10); `extensions.couponCode` names it. */
export type CouponErrorCode = 'COUPON_NOT_FOUND' | 'COUPON_EXPIRED' | 'COUPON_NOT_ELIGIBLE' | 'COUPON_MIN_SUBTOTAL' | 'COUPON_USAGE_LIMIT';

const COUPON_MESSAGES: Record<CouponErrorCode, string> = {
  COUPON_NOT_FOUND: 'No coupon has this code',
  COUPON_EXPIRED: 'This coupon is not valid now',
  COUPON_NOT_ELIGIBLE: 'No product in the cart is eligible for this coupon',
  COUPON_MIN_SUBTOTAL: 'The cart subtotal is below the minimum for this coupon',
  COUPON_USAGE_LIMIT: 'This coupon has been used up',
};

/** A coupon does not apply to this cart; nothing changed. */
export class CouponError extends DomainError {
  constructor(
    readonly reason: CouponErrorCode,
    couponCode: string,
  ) {
    super(COUPON_MESSAGES[reason], reason, { couponCode });
  }
}

/** [returns] Why a line may not be returned; nothing was written. */
export class ReturnNotAllowedError extends DomainError {
  constructor(reason: 'NOT_RETURNABLE' | 'RETURN_WINDOW_CLOSED', productId: number, returnWindowDays: number | null) {
    super(
      reason === 'NOT_RETURNABLE'
        ? `Product ${productId} cannot be returned (no return policy)`
        : `The ${returnWindowDays}-day return window of product ${productId} is over`,
      reason,
      { productId: String(productId), returnWindowDays },
    );
  }
}

/** [returns] The return was decided already; nothing changed. */
export class InvalidReturnStateError extends DomainError {
  constructor(returnId: string, status: string) {
    super(`Return ${returnId} is ${status}, not REQUESTED`, ErrorCode.INVALID_RETURN_STATE, { status });
  }
}

/** [returns] A refund larger than what is left of the order's capture; nothing was refunded. */
export class RefundTooLargeError extends DomainError {
  constructor(requestedCents: number, refundableCents: number) {
    super(`Cannot refund ${requestedCents} cents: ${refundableCents} cents are left to refund`, ErrorCode.REFUND_EXCEEDS_CAPTURE, {
      requestedCents,
      refundableCents,
    });
  }
}

/**
 * Codes that say nothing is wrong with the request: a service it needs was down, refused or did
 * not answer in time, so the same request may succeed later. Their errors carry
 * `extensions.retryable: true`; a checkout retried with the same idempotencyKey returns the order
 * the first attempt created, if it got that far, and creates it otherwise.
 */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set<string>([ErrorCode.SERVICE_UNAVAILABLE, ErrorCode.SUBGRAPH_UNAVAILABLE]);

/** `extensions` of a domain error: its code, its details, and `retryable: true` for {@link RETRYABLE_CODES}. */
export const extensionsOf = (error: DomainError): Record<string, unknown> => ({
  code: error.code,
  ...error.details,
  ...(RETRYABLE_CODES.has(error.code) ? { retryable: true } : {}),
});

/** The one place where a domain error becomes a GraphQL error. */
export function toGraphQLError(error: DomainError): GraphQLError {
  return new GraphQLError(error.message, { extensions: extensionsOf(error) });
}

/**
 * Apollo Server `formatError`: domain errors keep their message and code, request errors pass,
 * anything else (a bug, a database error) is logged and masked as INTERNAL_SERVER_ERROR so no
 * stack trace, SQL or path reaches a client.
 */
export function createFormatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    // Walk down GraphQLError wrappers (the gateway wraps each subgraph error once more).
    let original: unknown = error;
    while (original instanceof GraphQLError && original.originalError) original = original.originalError;
    if (original instanceof DomainError) {
      return {
        message: original.message,
        path: formatted.path,
        locations: formatted.locations,
        extensions: extensionsOf(original),
      };
    }
    // A coded error that is not an exception is about the request itself (parse, validation,
    // variables) or was already formatted by a subgraph (the gateway keeps its JSON as the
    // original error): its code and message are safe to show.
    const code = formatted.extensions?.code;
    const exception = original instanceof Error && !(original instanceof GraphQLError);
    if (!exception && typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      const { stacktrace: _stack, serviceName: _service, exception: _exception, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error');
    return {
      message: 'Internal server error',
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
