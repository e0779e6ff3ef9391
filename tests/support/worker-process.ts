import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the process logged, for assertions and failure messages. */
  output: () => string;
}

/**
 * Starts a real worker process (what `npm run worker:checkout` runs), with `env`, and resolves once
 * it logged `readyLine`. The caller kills it (SIGKILL to simulate a crash, SIGTERM to stop it).
 */
export async function spawnWorker(script: string, env: NodeJS.ProcessEnv, readyLine: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, script)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (log.includes(readyLine)) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    void exited.then(({ code, signal }) => {
      clearInterval(timer);
      reject(new Error(`${script} exited (${code ?? signal}) before it was ready:\n${log}`));
    });
  });
  return { child, exited, output: () => log };
}

/** The checkout worker process of a test stack; `extra` overrides its environment. */
export const CHECKOUT_WORKER = 'subgraphs/order/src/workers/checkout.main.ts';
