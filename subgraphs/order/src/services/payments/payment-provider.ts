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
  /** Refunds a capture in full. Idempotent; a no-op on an intent already refunded. */
  refund(request: { idempotencyKey: string; reference: string }): Promise<PaymentIntent>;
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

export type PaymentIntentStatus = 'AUTHORIZED' | 'CAPTURED' | 'DECLINED' | 'VOIDED' | 'REFUNDED';

export interface PaymentIntent {
  /** The provider's id of the payment. */
  reference: string;
  status: PaymentIntentStatus;
  amountCents: number;
  currencyCode: string;
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
