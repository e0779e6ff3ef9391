import { Breaker, CircuitTimeoutError, type BreakerSettings, type Logger } from '@commerce/common';
import {
  PaymentDeclinedError,
  PaymentStateError,
  PaymentTimeoutError,
  RefundExceedsCaptureError,
  type AuthorizeRequest,
  type PaymentIntent,
  type PaymentProvider,
  type RefundRequest,
} from './payment-provider';

/** A declined card, a refused state change or a refund past the capture is the provider answering: not an outage. */
const isProviderFailure = (err: unknown) =>
  !(err instanceof PaymentDeclinedError) && !(err instanceof PaymentStateError) && !(err instanceof RefundExceedsCaptureError);

/**
 * A payment provider behind the `payment` circuit breaker: each call is bounded by the breaker's
 * timeout (reported as PaymentTimeoutError, as the provider's own timeout is), retried while the
 * breaker stays closed (every call carries an idempotency key or only reads, so repeating one is
 * safe: docs.stripe.com/idempotency), and refused with CircuitOpenError while the provider is down.
 */
export class GuardedPaymentProvider implements PaymentProvider {
  readonly name: string;
  readonly breaker: Breaker;

  constructor(
    private readonly provider: PaymentProvider,
    settings: BreakerSettings,
    logger: Logger,
  ) {
    this.name = provider.name;
    this.breaker = new Breaker({ name: 'payment', settings, logger, isFailure: isProviderFailure });
  }

  authorize(request: AuthorizeRequest): Promise<PaymentIntent> {
    return this.guard(() => this.provider.authorize(request));
  }

  capture(request: { idempotencyKey: string; reference: string }): Promise<PaymentIntent> {
    return this.guard(() => this.provider.capture(request));
  }

  void(request: { idempotencyKey: string; reference: string }): Promise<PaymentIntent> {
    return this.guard(() => this.provider.void(request));
  }

  refund(request: RefundRequest): Promise<PaymentIntent> {
    return this.guard(() => this.provider.refund(request));
  }

  findByAuthorizationKey(idempotencyKey: string): Promise<PaymentIntent | null> {
    return this.guard(() => this.provider.findByAuthorizationKey(idempotencyKey));
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await this.breaker.run(call, { idempotent: true });
    } catch (err) {
      if (err instanceof CircuitTimeoutError) throw new PaymentTimeoutError(err.timeoutMs);
      throw err;
    }
  }
}
