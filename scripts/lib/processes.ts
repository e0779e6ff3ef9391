/**
 * Process supervision for `npm start`: child processes whose every output line carries a coloured
 * name prefix, health polling, and a graceful stop of everything that is still running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** How a child ended: its exit code, or the signal that ended it. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process started by {@link spawnPrefixed}. */
export interface Child {
  readonly name: string;
  /** The OS process id (undefined if it could not start), e.g. to read its memory use. */
  readonly pid: number | undefined;
  /** Resolves once the child has exited and all of its output has been printed; never rejects. */
  readonly exited: Promise<ExitStatus>;
  /**
   * Resolves at the first raw output line (stdout or stderr, before formatting) that `pattern`
   * matches, e.g. a worker's pino `"msg":"checkout worker ready"`.
   * @throws Error when the child exits before printing such a line.
   */
  lineMatching(pattern: RegExp): Promise<void>;
  /** Sends SIGTERM to its process group, SIGKILL after `graceMs` (default 15 000); resolves once it has exited. */
  stop(graceMs?: number): Promise<ExitStatus>;
}

/** Thrown by {@link runStep} when a one-shot step does not exit with code 0. */
export class StepFailedError extends Error {
  constructor(
    readonly step: string,
    readonly status: ExitStatus,
  ) {
    super(`${step} failed (${describeExit(status)}); see its output above`);
    this.name = 'StepFailedError';
  }
}

const PREFIX_WIDTH = 19; // the longest process name (deploy/processes.ts), so every prefix lines up
const PALETTE = [36, 35, 34, 33, 32, 96, 95, 94, 93, 92]; // ANSI foreground colours, cycled per child
const DIM = 90;
const isWindows = process.platform === 'win32';

const colourEnabled =
  !('NO_COLOR' in process.env) && ('FORCE_COLOR' in process.env || (process.stdout.isTTY === true && process.stdout.hasColors()));

/** `text` in ANSI colour `code` when stdout shows colours. */
export const paint = (code: number, text: string): string => (colourEnabled ? `\x1b[${code}m${text}\x1b[0m` : text);

/** A started child as the module tracks it until it exits. */
interface RunningChild {
  name: string;
  process: ChildProcess;
  exited: Promise<ExitStatus>;
}
const running = new Set<RunningChild>();
let stopping = false;
let spawned = 0;

/** `exit code 1`, `signal SIGTERM`, … for messages. */
export function describeExit({ code, signal }: ExitStatus): string {
  return signal ? `signal ${signal}` : `exit code ${code ?? 'unknown'}`;
}

/**
 * The command that runs a TypeScript entry point with tsx: `node --require tsx/cjs`, one process
 * per entry point. Not the tsx CLI, which is a second Node process that relays signals and SIGKILLs
 * a child that does not acknowledge one within a few tens of milliseconds (cutting a subgraph's
 * drain short); and not `--import tsx`, whose ESM loader thread costs about 20 MB per process for
 * code that is all CommonJS (measured: 1.64 GB instead of 1.84 GB for the ten processes).
 */
export function tsx(script: string, ...args: string[]): [command: string, args: string[]] {
  return [process.execPath, ['--require', 'tsx/cjs', script, ...args]];
}

/** The command that runs `npm <args>` with the npm that started us, when there is one. */
export function npm(...args: string[]): [command: string, args: string[]] {
  const npmCli = process.env.npm_execpath;
  return npmCli && /\.[cm]?js$/.test(npmCli) ? [process.execPath, [npmCli, ...args]] : [isWindows ? 'npm.cmd' : 'npm', args];
}

/**
 * Starts `command args` in `cwd` with `env` added to this process's environment, printing each line
 * of its stdout and stderr with a coloured `[name      ]` prefix (pino JSON lines are made readable by
 * {@link formatLogLine}). The child is tracked until it exits, so {@link stopAll} reaches it.
 *
 * @throws Error once {@link stopAll} has begun, so nothing new starts while everything is stopping.
 */
export function spawnPrefixed(name: string, [command, args]: [string, string[]], options: { cwd: string; env?: NodeJS.ProcessEnv }): Child {
  if (stopping) throw new Error(`not starting ${name}: shutting down`);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own: Ctrl-C in the terminal (and tools like `timeout`, which re-send
    // signals to the whole group) reaches only the supervisor, which stops each child exactly once.
    detached: !isWindows,
  });
  const prefix = paint(PALETTE[spawned++ % PALETTE.length] ?? DIM, `[${name.padEnd(PREFIX_WIDTH)}]`);
  const watchers = new Set<{ pattern: RegExp; resolve: () => void }>();
  const onLine = (line: string) => {
    for (const watcher of watchers) {
      if (!watcher.pattern.test(line)) continue;
      watchers.delete(watcher);
      watcher.resolve();
    }
  };
  const outputDone = Promise.all([
    pipeLines(child.stdout, process.stdout, prefix, onLine),
    pipeLines(child.stderr, process.stderr, prefix, onLine),
  ]);
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('error', (error) => {
      process.stderr.write(`${prefix} could not start: ${error.message}\n`);
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      // Output can still be in the pipes when 'exit' fires: print it first, unless something the
      // child left behind keeps the pipes open.
      void Promise.race([outputDone, sleep(1000)]).then(() => resolve({ code, signal }));
    });
  });
  const entry: RunningChild = { name, process: child, exited };
  running.add(entry);
  void exited.then(() => running.delete(entry));
  const lineMatching = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const watcher = { pattern, resolve };
      watchers.add(watcher);
      void exited.then((status) => {
        if (watchers.delete(watcher)) reject(new Error(`${name} exited (${describeExit(status)}) before it was ready`));
      });
    });
  return { name, pid: child.pid, exited, lineMatching, stop: (graceMs = 15_000) => terminate(entry, graceMs) };
}

/**
 * Runs a one-shot step (migrate, seed, …) to completion with prefixed output.
 *
 * @throws StepFailedError when it exits with anything but code 0.
 */
export async function runStep(name: string, command: [string, string[]], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<void> {
  const status = await spawnPrefixed(name, command, options).exited;
  if (status.code !== 0) throw new StepFailedError(name, status);
}

function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // The whole group, so anything the child started itself goes too.
    if (isWindows) child.kill(signal);
    else process.kill(-child.pid, signal);
  } catch {
    // ESRCH: it exited in the meantime.
  }
}

/** SIGTERM to one child, SIGKILL if it has not exited after `graceMs`; resolves with how it ended. */
async function terminate(child: RunningChild, graceMs: number): Promise<ExitStatus> {
  signalChild(child.process, 'SIGTERM');
  const grace = new AbortController();
  const timedOut = await Promise.race([child.exited.then(() => false), sleep(graceMs, true, { signal: grace.signal }).catch(() => false)]);
  grace.abort();
  if (timedOut) {
    process.stderr.write(`${paint(33, '!')} ${child.name} did not stop within ${graceMs / 1000} s; killing it\n`);
    signalChild(child.process, 'SIGKILL');
  }
  return child.exited;
}

/**
 * Sends SIGTERM to every running child, lets each drain for up to `graceMs`, then SIGKILLs the
 * stragglers. No new child starts afterwards.
 *
 * @returns how each of the stopped children ended, once all have.
 */
export async function stopAll(graceMs = 15_000): Promise<{ name: string; status: ExitStatus }[]> {
  stopping = true;
  const children = [...running];
  const statuses = await Promise.all(children.map((child) => terminate(child, graceMs)));
  return children.map((child, i) => ({ name: child.name, status: statuses[i] ?? { code: null, signal: null } }));
}

/** SIGKILLs every running child at once; for process exit paths where nothing can be awaited. */
export function killAllNow(): void {
  for (const child of running) signalChild(child.process, 'SIGKILL');
}

/** CPU seconds (user + system) a running process has used, from /proc/<pid>/stat (Linux, 100 ticks/s); undefined once it is gone. */
export function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may contain spaces: count fields from its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Resident set size of a running process in bytes, from /proc/<pid>/status (Linux); undefined once it is gone. */
export function rssBytesOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** A URL that answers 200 once its process is ready. */
export interface HealthTarget {
  name: string;
  url: string;
}

/**
 * Polls every target's URL each `intervalMs` until all answer 200.
 *
 * @throws Error naming each target still unhealthy after `timeoutMs`, with its last answer or error;
 *   or the abort reason when `signal` aborts.
 */
export async function waitForHealthy(
  targets: HealthTarget[],
  { intervalMs = 200, timeoutMs = 60_000, signal }: { intervalMs?: number; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const pending = new Map(targets.map((target) => [target, 'no answer yet']));
  for (;;) {
    await Promise.all(
      [...pending.keys()].map(async (target) => {
        const problem = await probe(target.url, signal);
        if (problem === undefined) pending.delete(target);
        else pending.set(target, problem);
      }),
    );
    signal?.throwIfAborted();
    if (pending.size === 0) return;
    if (performance.now() >= deadline) {
      const list = [...pending].map(([target, problem]) => `  ${target.name}: ${target.url} (${problem})`).join('\n');
      throw new Error(`Not healthy after ${timeoutMs / 1000} s:\n${list}`);
    }
    await sleep(intervalMs, undefined, { signal });
  }
}

/** How long one probe may take before it counts as no answer. */
const PROBE_TIMEOUT_MS = 1000;

/**
 * `undefined` when `url` answers 200, otherwise what went wrong (ECONNREFUSED, `HTTP 503`, …).
 * node:http rather than fetch: `npm start` probes eleven starting processes every 100 ms, and each
 * refused fetch (undici, abort signals, a DOMException) cost the supervisor more CPU than the
 * answer is worth while those processes compete for the same cores.
 */
function probe(url: string, signal: AbortSignal | undefined): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = http.get(url, { signal, timeout: PROBE_TIMEOUT_MS, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode === 200 ? undefined : `HTTP ${response.statusCode}`);
    });
    request.once('timeout', () => request.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)));
    request.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

function pipeLines(input: Readable, output: Writable, prefix: string, onLine: (line: string) => void): Promise<void> {
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  lines.on('line', (line) => {
    onLine(line);
    for (const formatted of formatLogLine(line)) output.write(`${prefix} ${formatted}\n`);
  });
  return new Promise((resolve) => lines.once('close', resolve));
}

const LEVELS: Record<number, [label: string, colour: number]> = {
  10: ['TRACE', DIM],
  20: ['DEBUG', DIM],
  30: ['INFO ', 32],
  40: ['WARN ', 33],
  50: ['ERROR', 31],
  60: ['FATAL', 31],
};
/** pino fields the prefix and level already convey. */
const OMITTED = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'v']);

/**
 * A pino JSON line as `LEVEL msg key=value …`, followed by the error's stack lines when it carries
 * one; any other line unchanged. Never throws: output is only ever made prettier, never lost.
 */
export function formatLogLine(line: string): string[] {
  if (!line.startsWith('{')) return [line];
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return [line];
  }
  if (typeof entry !== 'object' || entry === null || typeof (entry as { msg?: unknown }).msg !== 'string') return [line];
  const { level, msg, err } = entry as { level?: unknown; msg: string; err?: { stack?: unknown } };
  const [label, colour] = LEVELS[Number(level)] ?? [String(level ?? ''), DIM];
  const stack = typeof err?.stack === 'string' ? err.stack.split('\n') : [];
  const fields = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key) && !(key === 'err' && stack.length > 0))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const head = [paint(colour, label), msg, ...fields.map((field) => paint(DIM, field))].join(' ');
  return [head, ...stack.map((stackLine) => paint(DIM, stackLine))];
}
