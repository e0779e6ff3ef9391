/**
 * The one GraphQL-over-HTTP client of scripts and tests: a POST with a JSON body, as the gateway
 * and the subgraphs accept it (GraphQL over HTTP, `application/json`), through the same
 * {@link httpPost} as the services' own calls, so a benchmark's load generator spends little of
 * the machine's CPU.
 */

import { httpPost } from './http-post';

/** How long a script or test waits for an answer: fetch's own default (undici's 300 s headers and body timeouts). */
const ANSWER_TIMEOUT_MS = 300_000;

/** A GraphQL error as the server sent it, with its `extensions.code` when it has one. */
export interface GraphQLResponseError {
  message: string;
  extensions?: { code?: string } & Record<string, unknown>;
}

/** What came back: the HTTP status and the response's `data` and `errors`. */
export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: GraphQLResponseError[];
}

/** Thrown by {@link graphqlData} when an answer carries errors or no data. */
export class GraphQLRequestError extends Error {
  constructor(
    readonly response: GraphQLResponse<unknown>,
    operation: string,
  ) {
    super(`${operation.replace(/\s+/g, ' ').slice(0, 60)}…: HTTP ${response.status} ${JSON.stringify(response.errors ?? null)}`);
    this.name = 'GraphQLRequestError';
    Object.setPrototypeOf(this, GraphQLRequestError.prototype);
  }
}

/**
 * POSTs `query` with `variables` to `url` and returns the status and body, errors included (for
 * tests asserting on them). `headers` are added to `content-type: application/json`.
 * @throws HttpPostError when the server cannot be reached or does not answer within 300 s; SyntaxError when the body is not JSON.
 */
export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await httpPost(
    url,
    JSON.stringify({ query, variables }),
    { 'content-type': 'application/json', ...headers },
    ANSWER_TIMEOUT_MS,
  );
  return { status: response.status, ...(JSON.parse(response.body) as Omit<GraphQLResponse<T>, 'status'>) };
}

/**
 * {@link graphql}, for callers that expect success: the `data` alone.
 * @throws GraphQLRequestError when the answer has errors, no data or a status other than 200.
 */
export async function graphqlData<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await graphql<T>(url, query, variables, headers);
  if (response.status !== 200 || response.errors?.length || !response.data) throw new GraphQLRequestError(response, query);
  return response.data;
}

/** The `authorization` header of a signed-in client, or none. */
export const bearer = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});
