/**
 * Polls until `check` returns a value other than undefined. Generous (30 s by default), so a slow
 * machine waits instead of failing; it bounds a wait for asynchronous work, it does not time it.
 */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
