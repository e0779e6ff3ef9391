/**
 * `npm start`'s supervisor as a real process over real child processes (tiny node scripts standing
 * in for a subgraph and a worker, so the stack need not boot): a child killed with SIGKILL comes
 * back with a new pid and is ready again; one that keeps dying makes it give up, stop everything
 * and exit 1; SIGINT stops everything and exits 0 without restarting anything.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { eventually } from '../support/eventually';
import { freePort } from '../../scripts/lib/ports';

const SUPERVISE = path.join(__dirname, 'fixtures/supervise.ts');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'supervisor-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// A failed test must not leave a supervisor behind: SIGTERM stops it and its children.
const started: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Runs the supervisor over `services`; collects its output lines and the pid each child reported. */
function supervise(
  services: { name: string; port?: number; dieFile?: string; hang?: boolean }[],
  { initialDelayMs = 100, readyTimeoutMs = 30_000 } = {},
) {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', SUPERVISE], {
    cwd: path.join(__dirname, '../..'),
    env: {
      ...process.env,
      NO_COLOR: '1',
      SUPERVISE_SERVICES: JSON.stringify(services),
      // Quicker than the default 0.5 s start, same rule: 5 exits within 60 s give up.
      SUPERVISE_POLICY: JSON.stringify({ initialDelayMs }),
      SUPERVISE_READY_TIMEOUT_MS: String(readyTimeoutMs),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const lines: string[] = [];
  const pids: Record<string, number[]> = {};
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      const ready = /^\[(\w+)\s*\] ready pid=(\d+)$/.exec(line);
      if (ready) (pids[ready[1]!] ??= []).push(Number(ready[2]));
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const line = (pattern: RegExp) => eventually(() => lines.find((l) => pattern.test(l)), `a line matching ${pattern}`, 30_000);
  const allPids = () => Object.values(pids).flat();
  return { process: child, lines, pids, exited, line, allPids };
}

test('a killed child is restarted with a new pid; one that keeps dying stops everything with exit code 1', async () => {
  const port = await freePort();
  const dieFile = path.join(tmp, 'worker-dies');
  const run = supervise([
    { name: 'api', port },
    { name: 'worker', dieFile },
  ]);
  await run.line(/^all ready$/);
  const [worker] = run.pids.worker!;
  const [api] = run.pids.api!;

  process.kill(worker!, 'SIGKILL');
  await run.line(new RegExp(`^↻ worker \\(pid ${worker}\\) exited unexpectedly \\(signal SIGKILL\\); restart 1 in 0.1 s$`));
  const ready = await run.line(/^✔ worker ready again \(pid \d+, restart 1\)/);
  const restarted = await eventually(() => run.pids.worker?.[1], 'the restarted worker to report its pid');
  expect(ready).toContain(`pid ${restarted}`);
  expect(restarted).not.toBe(worker);
  expect(alive(restarted)).toBe(true);
  expect(run.pids.api).toEqual([api]); // the others were left alone

  // A server comes back on its port, judged ready by its health URL.
  process.kill(api!, 'SIGKILL');
  await run.line(/^✔ api ready again \(pid \d+, restart 1\)/);
  await eventually(() => run.pids.api?.[1], 'the restarted api to report its pid');
  expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

  // From now on the worker dies as soon as it starts: exits 2 to 5 come within a few seconds.
  writeFileSync(dieFile, '');
  process.kill(restarted, 'SIGKILL');
  expect(await run.exited).toBe(1);
  expect(run.lines).toContain('✖ worker exited 5 times within 60 s (last: exit code 1); stopping everything.');
  expect(run.lines.filter((l) => l.startsWith('↻ worker'))).toHaveLength(4);
  expect(run.lines.at(-1)).toBe('✖ Everything stopped; exiting with code 1.');
  expect(run.allPids().filter(alive)).toEqual([]);
});

test('SIGINT stops every child and exits 0, restarting nothing', async () => {
  const run = supervise([{ name: 'api', port: await freePort() }, { name: 'worker' }, { name: 'other' }]);
  await run.line(/^all ready$/);
  expect(run.allPids()).toHaveLength(3);
  run.process.kill('SIGINT');
  expect(await run.exited).toBe(0);
  expect(run.lines).toContain('✔ Everything stopped.');
  expect(run.lines.filter((l) => l.startsWith('↻') || l.startsWith('!'))).toEqual([]);
  expect(run.allPids().filter(alive)).toEqual([]);
});

test('SIGINT while a restart waits out its backoff cancels it', async () => {
  const run = supervise([{ name: 'worker' }], { initialDelayMs: 8000 });
  await run.line(/^all ready$/);
  const [worker] = run.pids.worker!;
  process.kill(worker!, 'SIGKILL');
  await run.line(/^↻ worker .* restart 1 in 8 s$/);
  const stopping = performance.now();
  run.process.kill('SIGINT');
  expect(await run.exited).toBe(0);
  expect(performance.now() - stopping).toBeLessThan(5000); // it did not wait for the 8 s
  expect(run.pids.worker).toEqual([worker]);
  expect(run.lines).toContain('✔ Everything stopped.');
});

test('a process not ready in time stops everything, even one that never dies', async () => {
  const run = supervise(
    [
      { name: 'api', port: await freePort() },
      { name: 'stuck', hang: true },
    ],
    { readyTimeoutMs: 1000 },
  );
  expect(await run.exited).toBe(1);
  expect(run.lines).toContain('✖ stuck printed no ready line within 1 s; stopping everything.');
  expect(run.lines).not.toContain('all ready');
  expect(run.allPids().filter(alive)).toEqual([]);
});
