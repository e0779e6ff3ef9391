/**
 * The generated code of the repository (gitignored, so a fresh clone has none) as stamped steps:
 * one Prisma client per subgraph and the resolver types of codegen.yml. Each step knows its
 * inputs, its outputs and the command that rebuilds it; `npm start` reruns only stale ones.
 */
import path from 'node:path';
import { SUBGRAPHS, type SubgraphName } from '@commerce/common/src/config';
import { ROOT, hashInputs, isUpToDate, packageVersion, writeStamp, type StampInput } from './stamps';

/** A command to run: executable, arguments and extra environment. */
export interface Command {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

/** A generation step: what it reads, what it writes, and how to run it. */
export interface GenerationStep {
  /** Stamp name, also the output prefix, e.g. `prisma:user`. */
  name: string;
  hash: string;
  /** Paths relative to the repository root that must exist for the step to count as done. */
  outputs: string[];
  run: Command;
}

const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);

/**
 * `prisma generate` for one subgraph's schema; the client lands where its generator `output`
 * says (`subgraphs/<subgraph>/src/db/generated`).
 */
export function prismaClientStep(subgraph: SubgraphName): GenerationStep {
  const schema = path.join('prisma', subgraph, 'schema.prisma');
  const inputs: StampInput[] = [{ file: schema }, { value: packageVersion('prisma') }, { value: packageVersion('@prisma/client') }];
  return {
    name: `prisma-${subgraph}`,
    hash: hashInputs(inputs),
    outputs: [`subgraphs/${subgraph}/src/db/generated/client.ts`],
    run: {
      command: bin('prisma'),
      args: ['generate', '--schema', schema, '--no-hints'],
      // `prisma generate` never runs the schema engine, but without this variable the CLI first tries
      // to download it (there is no network); the variable must name an existing file, any will do.
      env: { PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || __filename },
    },
  };
}

/** The resolver types of every subgraph (`codegen.yml`), generated from its SDL. */
export function resolverTypesStep(): GenerationStep {
  const inputs: StampInput[] = [
    { file: 'codegen.yml' },
    ...SUBGRAPHS.map((name) => ({ file: `subgraphs/${name}/src/schema.graphql` })),
    ...['@graphql-codegen/cli', '@graphql-codegen/typescript', '@graphql-codegen/typescript-resolvers'].map((name) => ({
      value: packageVersion(name),
    })),
  ];
  return {
    name: 'codegen',
    hash: hashInputs(inputs),
    outputs: SUBGRAPHS.map((name) => `subgraphs/${name}/src/__generated__/resolvers-types.ts`),
    run: { command: bin('graphql-codegen'), args: ['--config', 'codegen.yml'] },
  };
}

/** Every Prisma client step, in {@link SUBGRAPHS} order. */
export const prismaClientSteps = (): GenerationStep[] => SUBGRAPHS.map(prismaClientStep);

/**
 * The subgraph SDLs composed into `gateway/supergraph.graphql`, routed to `urls` (the same
 * composition as `npm run compose`).
 */
export function supergraphStep(urls: Record<SubgraphName, string>): GenerationStep {
  const inputs: StampInput[] = [
    ...SUBGRAPHS.map((name) => ({ file: `subgraphs/${name}/src/schema.graphql` })),
    { file: 'gateway/src/compose.ts' },
    { value: SUBGRAPHS.map((name) => urls[name]).join(' ') },
    { value: packageVersion('@apollo/composition') },
  ];
  return {
    name: 'compose',
    hash: hashInputs(inputs),
    outputs: ['gateway/supergraph.graphql'],
    run: { command: process.execPath, args: ['--require', 'tsx/cjs', 'scripts/compose.ts'] },
  };
}

/** The stamp of `step`: its inputs' hash and its outputs' hash, so an output edited or rewritten by hand makes it stale. */
const stampOf = (step: GenerationStep): string => `${step.hash}:${hashInputs(step.outputs.map((file) => ({ file })))}`;

/** Whether `step` must run: its inputs changed since its last success, or an output is missing or was changed. */
export const isStale = (step: GenerationStep): boolean => !isUpToDate(step.name, stampOf(step), step.outputs);

/** Records that `step` has just succeeded, so the next start skips it while its inputs and outputs stay the same. */
export const markDone = (step: GenerationStep): void => writeStamp(step.name, stampOf(step));
