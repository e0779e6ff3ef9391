/**
 * npm run generate:prisma — runs `prisma generate` for every subgraph schema, all at once; each
 * client lands where its generator `output` says (subgraphs/<subgraph>/src/db/generated,
 * gitignored). Always regenerates, and stamps each client so the next `npm start` skips it.
 */
import { spawn } from 'node:child_process';
import { markDone, prismaClientSteps, type GenerationStep } from './lib/generation';
import { ROOT } from './lib/stamps';

function run(step: GenerationStep): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(step.run.command, step.run.args, { cwd: ROOT, env: { ...process.env, ...step.run.env }, stdio: 'inherit' });
    child.once('error', (error) => reject(new Error(`${step.name}: ${error.message}`)));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${step.name} failed (exit code ${code ?? 'unknown'})`))));
  });
}

Promise.all(
  prismaClientSteps().map(async (step) => {
    await run(step);
    markDone(step);
  }),
).catch((error: unknown) => {
  console.error(`prisma generate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
