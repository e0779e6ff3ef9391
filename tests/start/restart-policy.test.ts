/** The restart rule of `npm start`'s supervisor: backoff, its reset, and when it gives up. */
import { DEFAULT_RESTART_POLICY, NO_EXITS, decideRestart, restartPolicy, type RestartHistory } from '../../scripts/lib/restart-policy';

/** Feeds runs of `uptimeMs` each, `gapMs` apart (the restart delay is assumed taken), and returns every decision. */
function crashLoop(uptimes: number[], policy = DEFAULT_RESTART_POLICY) {
  let history: RestartHistory = NO_EXITS;
  let now = 1_000_000;
  return uptimes.map((uptime) => {
    const decision = decideRestart(history, { startedAt: now, exitedAt: now + uptime }, policy);
    history = decision.history;
    now += uptime + (decision.restart ? decision.delayMs : 0);
    return decision;
  });
}

test('delays start at 0.5 s and double up to 10 s', () => {
  // Runs of 15 s: never 5 exits within 60 s, never stable (30 s), so the backoff keeps growing.
  const decisions = crashLoop(Array(8).fill(15_000));
  expect(decisions.map((d) => d.restart && d.delayMs)).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  expect(decisions.at(-1)?.history.restarts).toBe(8);
});

test('a run that stayed up 30 s restarts at the initial delay again', () => {
  const decisions = crashLoop([15_000, 15_000, 15_000, 30_000, 15_000]);
  expect(decisions.map((d) => d.restart && d.delayMs)).toEqual([500, 1000, 2000, 500, 1000]);
});

test('the fifth exit within 60 s gives up; exits that left the window do not count', () => {
  const quick = crashLoop([100, 100, 100, 100, 100]);
  expect(quick.slice(0, 4).every((d) => d.restart)).toBe(true);
  expect(quick[4]).toMatchObject({ restart: false, exitsInWindow: 5 });

  // Four quick exits, then one after 61 s up: the first four are out of the window.
  const spaced = crashLoop([100, 100, 100, 100, 61_000, 100]);
  expect(spaced.every((d) => d.restart)).toBe(true);
  expect(spaced.at(-1)?.history.exits).toHaveLength(2);
});

test('policies are merged over the defaults and checked', () => {
  expect(restartPolicy({ maxExits: 3 })).toEqual({ ...DEFAULT_RESTART_POLICY, maxExits: 3 });
  expect(() => restartPolicy({ maxExits: 0 })).toThrow(RangeError);
  expect(() => restartPolicy({ factor: 0.5 })).toThrow(RangeError);
  expect(() => restartPolicy({ initialDelayMs: -1 })).toThrow(RangeError);
  expect(() => restartPolicy({ windowMs: Number.NaN })).toThrow(RangeError);
});
