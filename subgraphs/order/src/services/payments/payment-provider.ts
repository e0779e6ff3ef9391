/**
 * What the order subgraph needs from a card payment provider, modelled on Stripe's
 * PaymentIntents with manual capture (docs.stripe.com/payments/place-a-hold-on-a-payment-method):
 * authorize a hold, capture it, void it, refund a capture. Every call carries an idempotency
 * key (docs.stripe.com/idempotency): repeating a call with the same key performs it once and
 * returns the first result, so a saga step retried after a crash never charges twice.
 * Amounts are integer minor units (cents).
 */
export interface PaymentProvider {
  /** Provider name recorded on the order's payment, e.g. "simulated". */
  readonly name: string;
  /**
   * Places a hold of `amountCents` on the card behind `token`.
   * @throws PaymentDeclinedError when the card is declined (final; retrying will not help).
   * @throws PaymentTimeoutError when the provider did not answer in time (retry with the same key).
   */
  authorize(request: AuthorizeRequest): Promise<PaymentIntent>;
  /** Captures the whole hold. Idempotent by `idempotencyKey`. */
  capture(request: { idempotencyKey: string; reference: string }): Promise<PaymentIntent>;
  /** Releases a hold that was not captured. Idempotent; a no-op on an intent already voided. */
  void(request: { idempotencyKey: string; reference: string }): Promise<PaymentIntent>;
  /**
   * Refunds `amountCents` of a capture, or all that is left of it when omitted (Stripe's refunds:
   * docs.stripe.com/api/refunds/create). Idempotent by `idempotencyKey`: a repeat returns the
   * intent without refunding again. The ledger never refunds more than was captured, also when
   * refunds race: the intent becomes PARTIALLY_REFUNDED, or REFUNDED once nothing is left.
   * A full refund (no amount) of an intent already REFUNDED is a no-op.
   * @throws RefundExceedsCaptureError when the amount is more than what is left to refund.
   * @throws PaymentStateError for an intent that was never captured, or an amount below 1 cent.
   */
  refund(request: RefundRequest): Promise<PaymentIntent>;
  /**
   * The intent an authorization with this idempotency key created, if the provider processed it.
   * After a timeout the caller does not know whether the hold exists; this tells it, so the hold
   * can be voided.
   */
  findByAuthorizationKey(idempotencyKey: string): Promise<PaymentIntent | null>;
}

export interface AuthorizeRequest {
  idempotencyKey: string;
  /** Card token from the client (Stripe-style test tokens for the simulated provider). */
  token: string;
  amountCents: number;
  currencyCode: string;
  /** Shown in the provider's dashboard; not used for idempotency. */
  description: string;
}

export type PaymentIntentStatus = 'AUTHORIZED' | 'CAPTURED' | 'DECLINED' | 'VOIDED' | 'PARTIALLY_REFUNDED' | 'REFUNDED';

export interface PaymentIntent {
  /** The provider's id of the payment. */
  reference: string;
  status: PaymentIntentStatus;
  amountCents: number;
  currencyCode: string;
  /** Σ refunds of the capture so far, in cents. */
  refundedCents: number;
}

/** A refund of (part of) a capture; amounts in cents. */
export interface RefundRequest {
  idempotencyKey: string;
  reference: string;
  /** 1..what is left to refund; omitted: all that is left. */
  amountCents?: number;
  /** Shown in the provider's dashboard (Stripe: `reason`/metadata); not used for idempotency. */
  reason?: string;
}

/** The card was declined. Not retried: BullMQ gets an UnrecoverableError. */
export class PaymentDeclinedError extends Error {
  constructor(
    readonly reference: string,
    readonly declineCode: string,
  ) {
    super(`card declined (${declineCode})`);
    this.name = 'PaymentDeclinedError';
  }
}

/** The provider did not answer within the timeout; whether it processed the call is unknown. */
export class PaymentTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`payment provider did not answer within ${timeoutMs} ms`);
    this.name = 'PaymentTimeoutError';
  }
}

/** An operation that the intent's state does not allow, e.g. capturing a voided hold. */
export class PaymentStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentStateError';
  }
}

/** A refund would take the refunds of a capture past the amount captured; nothing was refunded. */
export class RefundExceedsCaptureError extends Error {
  constructor(
    readonly requestedCents: number,
    readonly refundableCents: number,
  ) {
    super(`cannot refund ${requestedCents} cents: ${refundableCents} cents are left to refund`);
    this.name = 'RefundExceedsCaptureError';
  }
}
