import { createHash } from 'node:crypto';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';
import { documentFacts, type DocumentFacts } from './limits';

/** Documents whose checks are kept (default): far more than a client fleet sends, small enough to bound memory (a few MB of ASTs). */
export const DEFAULT_DOCUMENT_CACHE_ENTRIES = 1_000;

/** The key of a document: SHA-256 of its text, hex, as Apollo Server's `queryHash`. */
export const documentHash = (query: string): string => createHash('sha256').update(query).digest('hex');

/** A document that parsed and passed validation against `schema` (specified rules + limits). */
interface AcceptedDocument {
  schema: GraphQLSchema;
  hideSchemaDetails: boolean;
  document: DocumentNode;
  facts: DocumentFacts;
}

/**
 * The perimeter's per-document work, done once per document and kept in a bounded LRU by document
 * hash: what is left per request is what depends on the request itself (variables, operation name).
 * - {@link facts}: the page-size and NUL facts (limits.ts) of an HTTP request's document, keyed by
 *   Apollo Server's `queryHash` (Apollo Server keeps the parsed and validated document itself).
 * - {@link accepted}/{@link accept}: a graphql-ws/SSE document that parsed and validated, for
 *   validateOperation. Only accepted documents are kept, so refused (hostile) ones cost their full
 *   check every time and never evict the good ones for long; an entry is good only for the schema
 *   it was validated against, so a supergraph update revalidates.
 */
export class DocumentChecks {
  private readonly factsByHash: LRUCache<string, DocumentFacts>;
  private readonly acceptedByHash: LRUCache<string, AcceptedDocument>;

  constructor(maxEntries = DEFAULT_DOCUMENT_CACHE_ENTRIES) {
    this.factsByHash = new LRUCache({ max: maxEntries });
    this.acceptedByHash = new LRUCache({ max: maxEntries });
  }

  /** The facts of `document`, whose text hashes to `hash`. */
  facts(hash: string, document: DocumentNode): DocumentFacts {
    let facts = this.factsByHash.get(hash);
    if (!facts) this.factsByHash.set(hash, (facts = documentFacts(document)));
    return facts;
  }

  /** The accepted document of that hash, if it was accepted against this schema with these options. */
  accepted(hash: string, schema: GraphQLSchema, hideSchemaDetails: boolean): { document: DocumentNode; facts: DocumentFacts } | undefined {
    const entry = this.acceptedByHash.get(hash);
    return entry && entry.schema === schema && entry.hideSchemaDetails === hideSchemaDetails ? entry : undefined;
  }

  /** Remembers a document that passed parse and validation; returns its facts. */
  accept(hash: string, schema: GraphQLSchema, hideSchemaDetails: boolean, document: DocumentNode): DocumentFacts {
    const facts = documentFacts(document);
    this.acceptedByHash.set(hash, { schema, hideSchemaDetails, document, facts });
    return facts;
  }
}
