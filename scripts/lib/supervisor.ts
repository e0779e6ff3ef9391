/**
 * The supervisor of `npm start`: runs long-lived processes until shutdown, restarts one that dies
 * unexpectedly with backoff ({@link decideRestart}), and stops everything when one keeps dying, when
 * one is not ready in time, or on SIGINT/SIGTERM/SIGHUP. Which processes it runs is up to the caller
 * (`scripts/start.ts` runs the stack; the tests run tiny scripts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describeExit, killAllNow, paint, spawnPrefixed, stopAll, waitForHealthy, type Child } from './processes';
import { NO_EXITS, decideRestart, restartPolicy, type RestartHistory, type RestartPolicy } from './restart-policy';

const BOLD = 1;
const GREEN = 32;
const RED = 31;
const YELLOW = 33;

/** A process that should run until shutdown, and how to tell it is ready. */
export interface Service {
  name: string;
  command: [command: string, args: string[]];
  /** Added to the supervisor's own environment. */
  env?: NodeJS.ProcessEnv;
  /** A URL answering 200 once it serves, or a raw output line its ready message matches. */
  ready: { url: string } | { line: RegExp };
}

export interface SupervisorOptions {
  /** Working directory of every process. */
  cwd: string;
  /** Overrides of the default restart policy (0.5 s doubling to 10 s; 5 exits in 60 s give up). */
  policy?: Partial<RestartPolicy>;
  /** How long a process (first start or restart) may take to be ready before everything stops (ms, default 60 000). */
  readyTimeoutMs?: number;
  /** How long each process may drain after SIGTERM at shutdown before it is SIGKILLed (ms, default 15 000). */
  drainMs?: number;
  /** Processes whose unclean stop is not worth reporting (e.g. a background code generator). */
  quietStops?: string[];
  /** Where messages go (default stdout). */
  say?: (line: string) => void;
}

export interface Supervisor {
  /** Aborted once shutdown has begun: pass it to steps and waits that shutdown should cut short. */
  readonly signal: AbortSignal;
  readonly shuttingDown: boolean;
  /**
   * Starts `service` and keeps it running until shutdown.
   *
   * @returns seconds until it was first ready (after restarts, if it died while starting).
   * @throws Error when shutdown begins (or the supervisor gives up on it) before it is ready.
   */
  start(service: Service): Promise<number>;
  /**
   * Stops every process (SIGTERM, SIGKILL after `drainMs`) and exits this process with `exitCode`;
   * only the first call counts, later ones return the same promise.
   */
  shutdown(exitCode: number, reason: string): Promise<void>;
  /** SIGINT, SIGTERM and SIGHUP shut down with exit code 0; a hard exit SIGKILLs what is left. */
  handleSignals(): void;
}

/** Seconds since `from` (a `performance.now()` value), one decimal. */
const secondsSince = (from: number): string => ((performance.now() - from) / 1000).toFixed(1);

export function createSupervisor(options: SupervisorOptions): Supervisor {
  const policy = restartPolicy(options.policy);
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const drainMs = options.drainMs ?? 15_000;
  const quiet = new Set(options.quietStops ?? []);
  const say = options.say ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const cancelled = new AbortController();
  let shuttingDown: Promise<void> | undefined;

  function shutdown(exitCode: number, reason: string): Promise<void> {
    shuttingDown ??= (async () => {
      cancelled.abort(new Error('shutting down'));
      say(exitCode === 0 ? paint(BOLD, reason) : paint(RED, reason));
      for (const { name, status } of await stopAll(drainMs)) {
        // A drain that failed or timed out is worth knowing about: in-flight work may have been cut short.
        if (status.code !== 0 && !quiet.has(name)) say(paint(YELLOW, `! ${name} did not stop cleanly (${describeExit(status)})`));
      }
      say(exitCode === 0 ? paint(GREEN, '✔ Everything stopped.') : paint(RED, `✖ Everything stopped; exiting with code ${exitCode}.`));
      process.exit(exitCode);
    })();
    return shuttingDown;
  }

  /**
   * Resolves true once `child` is ready, false if it exits (or shutdown begins) first.
   * @throws Error when it is still not ready after `readyTimeoutMs`.
   */
  async function becameReady(service: Service, child: Child): Promise<boolean> {
    const gone = new AbortController();
    void child.exited.then(() => gone.abort());
    const signal = AbortSignal.any([cancelled.signal, gone.signal]);
    try {
      if ('url' in service.ready) {
        await waitForHealthy([{ name: service.name, url: service.ready.url }], { intervalMs: 100, timeoutMs: readyTimeoutMs, signal });
      } else {
        const timeout = sleep(readyTimeoutMs, true, { signal }).catch(() => false);
        const seen = child.lineMatching(service.ready.line).then(() => false);
        if (await Promise.race([seen, timeout])) throw new Error(`${service.name} printed no ready line within ${readyTimeoutMs / 1000} s`);
      }
      return !signal.aborted;
    } catch (error) {
      if (signal.aborted) return false;
      throw error;
    } finally {
      gone.abort(); // ends the timeout
    }
  }

  function start(service: Service): Promise<number> {
    const firstStarted = performance.now();
    return new Promise<number>((resolve, reject) => {
      let history: RestartHistory = NO_EXITS;
      let everReady = false;
      const giveUp = (reason: string) => {
        reject(new Error(reason));
        void shutdown(1, `✖ ${reason}; stopping everything.`);
      };

      const run = (): void => {
        if (shuttingDown) return reject(cancelled.signal.reason);
        const startedAt = performance.now();
        const child = spawnPrefixed(service.name, service.command, { cwd: options.cwd, env: service.env });
        becameReady(service, child).then(
          (ready) => {
            if (!ready) return;
            if (!everReady) resolve((performance.now() - firstStarted) / 1000);
            else
              say(
                paint(
                  GREEN,
                  `✔ ${service.name} ready again (pid ${child.pid}, restart ${history.restarts}) after ${secondsSince(startedAt)} s`,
                ),
              );
            everReady = true;
          },
          (error: unknown) => giveUp(error instanceof Error ? error.message : String(error)),
        );
        void child.exited.then(async (status) => {
          if (shuttingDown) {
            if (!everReady) reject(cancelled.signal.reason);
            return;
          }
          const decision = decideRestart(history, { startedAt, exitedAt: performance.now() }, policy);
          history = decision.history;
          if (!decision.restart) {
            return giveUp(
              `${service.name} exited ${decision.exitsInWindow} times within ${policy.windowMs / 1000} s (last: ${describeExit(status)})`,
            );
          }
          say(
            paint(
              YELLOW,
              `↻ ${service.name} (pid ${child.pid}) exited unexpectedly (${describeExit(status)}); restart ${history.restarts} in ${decision.delayMs / 1000} s`,
            ),
          );
          const waited = await sleep(decision.delayMs, true, { signal: cancelled.signal }).catch(() => false);
          if (waited) run();
          else reject(cancelled.signal.reason);
        });
      };
      run();
    });
  }

  return {
    signal: cancelled.signal,
    get shuttingDown() {
      return shuttingDown !== undefined;
    },
    start,
    shutdown,
    handleSignals() {
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
        process.on(signal, () => void shutdown(0, `▸ ${signal} received: stopping all processes (up to ${drainMs / 1000} s to drain)…`));
      }
      // Children live in process groups of their own, so nothing else takes them down if we die abruptly.
      process.on('exit', killAllNow);
    },
  };
}
