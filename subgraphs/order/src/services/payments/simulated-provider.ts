import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SQL_NOW_UTC, isUniqueViolation } from '@commerce/common';
import { Prisma, type OrderDb } from '../../db';
import {
  PaymentDeclinedError,
  PaymentStateError,
  RefundExceedsCaptureError,
  type RefundRequest,
  PaymentTimeoutError,
  type AuthorizeRequest,
  type PaymentIntent,
  type PaymentIntentStatus,
  type PaymentProvider,
} from './payment-provider';

/** Test card tokens, after Stripe's (docs.stripe.com/testing). Any other token is declined. */
export const TestTokens = {
  /** Authorizes and captures. */
  visa: 'tok_visa',
  mastercard: 'tok_mastercard',
  /** Declined with `card_declined`. */
  chargeDeclined: 'tok_chargeDeclined',
  /** The provider takes the hold but its answer never arrives in time, on every attempt. */
  timeout: 'tok_timeout',
} as const;

const APPROVED = new Set<string>([TestTokens.visa, TestTokens.mastercard]);

export interface SimulatedProviderOptions {
  /** Time after which a call counts as timed out, in ms. */
  timeoutMs: number;
  /** Extra latency of every call, in ms (0 locally; benchmarks and crash tests raise it). */
  latencyMs: number;
}

type IntentRow = {
  id: string;
  status: PaymentIntentStatus;
  amountCents: number;
  currencyCode: string;
  token: string;
  capturedCents: number;
  refundedCents: number;
};

const view = (row: IntentRow): PaymentIntent => ({
  reference: row.id,
  status: row.status,
  amountCents: row.amountCents,
  currencyCode: row.currencyCode,
  refundedCents: row.refundedCents,
});

const REFUNDABLE: ReadonlySet<PaymentIntentStatus> = new Set(['CAPTURED', 'PARTIALLY_REFUNDED']);

/** The intent's columns as {@link IntentRow} names them (the status as text). */
const INTENT_COLUMNS = Prisma.raw(
  '"id", "status"::text AS "status", "amountCents", "currencyCode", "token", "capturedCents", "refundedCents"',
);

const NOW = Prisma.raw(SQL_NOW_UTC);

/**
 * A payment provider that behaves like a real one for tests and local use: idempotency keys,
 * holds, captures, voids and (partial) refunds with state checks and a refund ledger, declines and timeouts. Its ledger lives
 * in the `SimulatedPayment*` tables (a real provider keeps it on its side), so tests can count
 * exactly how many authorizations and captures happened.
 */
export class SimulatedPaymentProvider implements PaymentProvider {
  readonly name = 'simulated';

  constructor(
    private readonly db: OrderDb,
    private readonly options: SimulatedProviderOptions,
  ) {}

  async authorize(request: AuthorizeRequest): Promise<PaymentIntent> {
    await this.latency();
    const status: PaymentIntentStatus = APPROVED.has(request.token) || request.token === TestTokens.timeout ? 'AUTHORIZED' : 'DECLINED';
    // One statement: the intent and its AUTHORIZE operation, or nothing when the key was seen before
    // (a repeat, also one racing in from another worker), which then replays the intent it made.
    const [created] = await this.db.$queryRaw<IntentRow[]>`
      WITH intent AS (
        INSERT INTO "SimulatedPaymentIntent" ("id", "idempotencyKey", "token", "amountCents", "currencyCode", "status", "createdAt", "updatedAt")
        VALUES (${`pi_sim_${randomBytes(12).toString('hex')}`}, ${request.idempotencyKey}, ${request.token}, ${request.amountCents},
          ${request.currencyCode}, CAST(${status} AS "SimulatedIntentStatus"), ${NOW}, ${NOW})
        ON CONFLICT ("idempotencyKey") DO NOTHING
        RETURNING ${INTENT_COLUMNS}
      ), operation AS (
        INSERT INTO "SimulatedPaymentOperation" ("id", "idempotencyKey", "intentId", "kind", "amountCents", "createdAt")
        SELECT ${randomUUID()}, ${request.idempotencyKey}, intent."id", 'AUTHORIZE', intent."amountCents", ${NOW} FROM intent
      )
      SELECT * FROM intent`;
    const intent = created ?? (await this.byKey(request.idempotencyKey));
    if (!intent) throw new PaymentStateError(`the authorization ${request.idempotencyKey} was neither made nor found`);
    if (intent.token === TestTokens.timeout) {
      // The hold exists, but the answer is lost: the caller must find and void it.
      await sleep(this.options.timeoutMs);
      throw new PaymentTimeoutError(this.options.timeoutMs);
    }
    if (intent.status === 'DECLINED') {
      throw new PaymentDeclinedError(intent.id, 'card_declined');
    }
    return view(intent);
  }

  capture(request: { idempotencyKey: string; reference: string }): Promise<PaymentIntent> {
    return this.operate(request, 'CAPTURE', { from: 'AUTHORIZED', to: 'CAPTURED' });
  }

  void(request: { idempotencyKey: string; reference: string }): Promise<PaymentIntent> {
    return this.operate(request, 'VOID', { from: 'AUTHORIZED', to: 'VOIDED' });
  }

  async refund(request: RefundRequest): Promise<PaymentIntent> {
    await this.latency();
    const { amountCents } = request;
    if (amountCents !== undefined && (!Number.isInteger(amountCents) || amountCents < 1)) {
      throw new PaymentStateError(`a refund must be a whole number of cents ≥ 1, got ${amountCents}`);
    }
    try {
      return await this.db.$transaction(async (tx) => {
        const done = await tx.simulatedPaymentOperation.findUnique({ where: { idempotencyKey: request.idempotencyKey } });
        if (done) return view(await tx.simulatedPaymentIntent.findUniqueOrThrow({ where: { id: done.intentId } }));
        // The row lock serializes refunds of one intent: the second of two concurrent refunds reads
        // what the first left, so together they never pass the capture.
        const [intent] = await tx.$queryRaw<IntentRow[]>`
          SELECT ${INTENT_COLUMNS} FROM "SimulatedPaymentIntent" WHERE "id" = ${request.reference} FOR UPDATE`;
        if (!intent) throw new PaymentStateError(`no such payment ${request.reference}`);
        if (amountCents === undefined && intent.status === 'REFUNDED') return view(intent);
        // Fully refunded: any amount is more than is left (Stripe: charge_already_refunded).
        if (intent.status === 'REFUNDED') throw new RefundExceedsCaptureError(amountCents ?? 0, 0);
        if (!REFUNDABLE.has(intent.status)) throw new PaymentStateError(`cannot refund a payment that is ${intent.status}`);
        const left = intent.capturedCents - intent.refundedCents;
        const amount = amountCents ?? left;
        if (amount > left) throw new RefundExceedsCaptureError(amount, left);
        const refundedCents = intent.refundedCents + amount;
        const updated = await tx.simulatedPaymentIntent.update({
          where: { id: intent.id },
          data: { refundedCents, status: refundedCents === intent.capturedCents ? 'REFUNDED' : 'PARTIALLY_REFUNDED' },
        });
        await tx.simulatedPaymentOperation.create({
          data: { idempotencyKey: request.idempotencyKey, intentId: intent.id, kind: 'REFUND', amountCents: amount },
        });
        return view(updated);
      });
    } catch (err) {
      // The same key raced in from another worker: its result is the answer.
      if (!isUniqueViolation(err)) throw err;
      const done = await this.db.simulatedPaymentOperation.findUniqueOrThrow({
        where: { idempotencyKey: request.idempotencyKey },
        include: { intent: true },
      });
      return view(done.intent);
    }
  }

  async findByAuthorizationKey(idempotencyKey: string): Promise<PaymentIntent | null> {
    const intent = await this.byKey(idempotencyKey);
    return intent ? view(intent) : null;
  }

  /** One state change of an intent, performed once per idempotency key. */
  private async operate(
    request: { idempotencyKey: string; reference: string },
    kind: 'CAPTURE' | 'VOID',
    move: { from: PaymentIntentStatus; to: PaymentIntentStatus },
  ): Promise<PaymentIntent> {
    await this.latency();
    const moved = await this.moveOnce(request, kind, move);
    if (moved) return view(moved);
    // Not moved: a repeated key, an intent already in `to`, or a state error; told apart here.
    try {
      return await this.db.$transaction(async (tx) => {
        const done = await tx.simulatedPaymentOperation.findUnique({ where: { idempotencyKey: request.idempotencyKey } });
        if (done) return view(await tx.simulatedPaymentIntent.findUniqueOrThrow({ where: { id: done.intentId } }));
        const intent = await tx.simulatedPaymentIntent.findUnique({ where: { id: request.reference } });
        if (!intent) throw new PaymentStateError(`no such payment ${request.reference}`);
        if (intent.status === move.to) return view(intent);
        const { count } = await tx.simulatedPaymentIntent.updateMany({
          where: { id: intent.id, status: move.from },
          data: { status: move.to, ...(kind === 'CAPTURE' ? { capturedCents: intent.amountCents } : {}) },
        });
        if (count === 0) throw new PaymentStateError(`cannot ${kind.toLowerCase()} a payment that is ${intent.status}`);
        await tx.simulatedPaymentOperation.create({
          data: {
            idempotencyKey: request.idempotencyKey,
            intentId: intent.id,
            kind,
            amountCents: intent.amountCents,
          },
        });
        return view(await tx.simulatedPaymentIntent.findUniqueOrThrow({ where: { id: intent.id } }));
      });
    } catch (err) {
      // The same key raced in from another worker: its result is the answer.
      if (!isUniqueViolation(err)) throw err;
      const done = await this.db.simulatedPaymentOperation.findUniqueOrThrow({
        where: { idempotencyKey: request.idempotencyKey },
        include: { intent: true },
      });
      return view(done.intent);
    }
  }

  /**
   * The common case of {@link operate} in one statement: moves the intent `from` → `to` and records
   * the operation, unless the key was used before. @returns the moved intent, or undefined when
   * nothing moved (then nothing was written). A concurrent move of the same intent waits for the
   * row lock and then no longer finds it in `from`.
   */
  private async moveOnce(
    request: { idempotencyKey: string; reference: string },
    kind: 'CAPTURE' | 'VOID',
    move: { from: PaymentIntentStatus; to: PaymentIntentStatus },
  ): Promise<IntentRow | undefined> {
    const [moved] = await this.db.$queryRaw<IntentRow[]>`
      WITH moved AS (
        UPDATE "SimulatedPaymentIntent" SET "status" = CAST(${move.to} AS "SimulatedIntentStatus"), "updatedAt" = ${NOW},
          "capturedCents" = CASE WHEN ${kind === 'CAPTURE'} THEN "amountCents" ELSE "capturedCents" END
        WHERE "id" = ${request.reference} AND "status" = CAST(${move.from} AS "SimulatedIntentStatus")
          AND NOT EXISTS (SELECT 1 FROM "SimulatedPaymentOperation" WHERE "idempotencyKey" = ${request.idempotencyKey})
        RETURNING ${INTENT_COLUMNS}
      ), operation AS (
        INSERT INTO "SimulatedPaymentOperation" ("id", "idempotencyKey", "intentId", "kind", "amountCents", "createdAt")
        SELECT ${randomUUID()}, ${request.idempotencyKey}, moved."id", ${kind}, moved."amountCents", ${NOW} FROM moved
      )
      SELECT * FROM moved`;
    return moved;
  }

  private byKey(idempotencyKey: string): Promise<IntentRow | null> {
    return this.db.simulatedPaymentIntent.findUnique({ where: { idempotencyKey } });
  }

  private async latency(): Promise<void> {
    if (this.options.latencyMs > 0) await sleep(this.options.latencyMs);
  }
}
