import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROCESSES, nodeArgs, processNamed, type EntryKind } from '../../deploy/processes';

const ROOT = path.resolve(__dirname, '../..');

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the process logged, for assertions and failure messages. */
  output: () => string;
}

/**
 * Starts the real process `name` of the manifest (deploy/processes.ts: `checkout-worker`, `cart`,
 * `gateway`, …) as `npm start` or a container runs it, from its TypeScript source (`kind` 'source')
 * or its compiled entry point ('dist', after `npm run build`), with exactly `env`, and resolves once
 * it logged its ready line. The caller kills it (SIGKILL to simulate a crash, SIGTERM to stop it).
 * @throws Error with its output when it exits before it is ready.
 */
export async function spawnProcess(name: string, env: NodeJS.ProcessEnv, kind: EntryKind = 'source'): Promise<WorkerProcess> {
  const spec = processNamed(PROCESSES, name);
  const child = spawn(process.execPath, nodeArgs(spec, kind), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const readyLine = `"msg":"${spec.readyLine}"`;
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (log.includes(readyLine)) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    void exited.then(({ code, signal }) => {
      clearInterval(timer);
      reject(new Error(`${name} (${kind === 'dist' ? spec.dist : spec.source}) exited (${code ?? signal}) before it was ready:\n${log}`));
    });
  });
  return { child, exited, output: () => log };
}
