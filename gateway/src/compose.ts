import { readFileSync } from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { SUBGRAPHS, type SubgraphName } from '@commerce/common';

const repoRoot = path.resolve(__dirname, '../..');

/** The SDL of one subgraph, read from `subgraphs/<name>/src/schema.graphql`. */
export function subgraphSdl(name: SubgraphName): string {
  return readFileSync(path.join(repoRoot, 'subgraphs', name, 'src', 'schema.graphql'), 'utf8');
}

/** Thrown when the subgraphs do not compose; the message lists every composition error. */
export class CompositionError extends Error {
  constructor(readonly errors: readonly string[]) {
    super(`Supergraph composition failed:\n${errors.map((e) => `  - ${e}`).join('\n')}`);
    this.name = 'CompositionError';
  }
}

/**
 * Composes the five subgraph SDLs into a supergraph SDL with `@apollo/composition` (the same
 * library Rover uses), routing each subgraph to `urls[name]`.
 * @throws CompositionError with every error composition reported.
 */
export function composeSupergraph(urls: Record<SubgraphName, string>): string {
  const result = composeServices(SUBGRAPHS.map((name) => ({ name, url: urls[name], typeDefs: parse(subgraphSdl(name)) })));
  if (result.errors) throw new CompositionError(result.errors.map((e) => e.message));
  return result.supergraphSdl;
}
