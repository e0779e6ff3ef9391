import pino, { type Logger } from 'pino';

export type { Logger };

/** A JSON logger (pino) named after its process: `user-subgraph`, `checkout-worker`, `gateway` … */
export function createLogger(name: string, level: string = 'info'): Logger {
  return pino({
    name,
    level,
    // Tokens and passwords never reach the logs, even when a request is logged whole.
    redact: ['req.headers.authorization', 'req.headers["x-caller-token"]', '*.password', 'password'],
  });
}
