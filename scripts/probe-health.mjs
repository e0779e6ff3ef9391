// Container health check: exits 0 when the URL (a process's /health/ready) answers 200 within 3 s,
// 1 otherwise. Plain JavaScript so the probe costs a bare `node` start, not a TypeScript loader.
// The URL is the argument, else HEALTHCHECK_URL (set per process, so the image's one HEALTHCHECK
// serves every role; deploy/processes.ts has each process's port).
// Usage: node scripts/probe-health.mjs [http://127.0.0.1:4001/health/ready]
const url = process.argv[2] ?? process.env.HEALTHCHECK_URL;
if (!url) {
  console.error('usage: node scripts/probe-health.mjs <url> (or set HEALTHCHECK_URL)');
  process.exit(2);
}
fetch(url, { signal: AbortSignal.timeout(3000) }).then(
  (response) => process.exit(response.status === 200 ? 0 : 1),
  () => process.exit(1),
);
