import type { Logger } from 'pino';

/**
 * Runs `stop` once on SIGINT/SIGTERM, then exits: 0 when it finished, 1 when it threw or took
 * longer than `timeoutMs`. Workers and servers use it so Ctrl-C or a deploy drains in-flight work.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>, timeoutMs = 15_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown timed out');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
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
export function runProcess(logger: Logger, start: () => Promise<() => Promise<void>>): void {
  start().then((stop) => onShutdown(logger, stop), exitOnStartupError(logger));
}
