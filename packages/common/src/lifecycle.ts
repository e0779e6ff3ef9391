import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { HealthRegistry } from './health';
import { shutdownTracing } from './telemetry';

/** What a started process hands {@link runProcess}: how to stop it and, optionally, its readiness. */
export interface ProcessHandle {
  /** Drains and closes everything the process opened. */
  stop: () => Promise<void>;
  /** Marked shutting down (readiness 503) on the signal, before `stop` runs. */
  health?: HealthRegistry;
  /** How long readiness fails while the process still serves, in ms, before `stop` (SHUTDOWN_DELAY_MS). */
  shutdownDelayMs?: number;
}

/**
 * Runs `stop` once on SIGINT/SIGTERM, then exits: 0 when it finished, 1 when it threw or took
 * longer than `timeoutMs`. Workers and servers use it so Ctrl-C or a deploy drains in-flight work.
 * Given a handle with `health`, readiness fails first (503 `shutting_down`, liveness still 200),
 * the process keeps serving for `shutdownDelayMs`, and only then drains: the order Kubernetes
 * needs so no request is routed to a pod that already closed its listener.
 */
export function onShutdown(logger: Logger, handle: ProcessHandle, timeoutMs = 15_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    handle.health?.startShutdown();
    const delayMs = handle.shutdownDelayMs ?? 0;
    logger.info({ signal, delayMs }, 'shutting down');
    // The drain gets its full `timeoutMs` after the delay.
    const timer = setTimeout(() => {
      logger.error('shutdown timed out');
      process.exit(1);
    }, timeoutMs + delayMs);
    timer.unref();
    const stop = async () => {
      if (delayMs > 0) await sleep(delayMs);
      logger.info('draining');
      await handle.stop();
      // Spans of the drain itself included; the batch exporter would lose them at exit.
      await shutdownTracing();
    };
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

/** Logs a start-up failure and exits 1: the message alone, for configuration and connectivity errors. */
export function exitOnStartupError(logger: Logger) {
  return (err: unknown) => {
    logger.fatal({ err }, err instanceof Error ? err.message : String(err));
    process.exit(1);
  };
}

/**
 * The main of a long-running process: `start` builds and starts everything and returns how to
 * stop it; start-up failures are logged and exit 1, SIGINT/SIGTERM run the stop function once.
 */
export function runProcess(logger: Logger, start: () => Promise<ProcessHandle>): void {
  start().then((handle) => onShutdown(logger, handle), exitOnStartupError(logger));
}
