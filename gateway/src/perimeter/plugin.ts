import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from '../context';
import { DocumentChecks } from './document-checks';
import { nulCharacterErrors, operationResolutionError, pageSizeErrors } from './limits';

/**
 * The HTTP side of the perimeter that validation rules cannot do: the page-size cap and the NUL
 * check on variables (once the operation is known, before any subgraph is called), and the
 * request's correlation id in every error's `extensions.requestId`. What these checks need of the
 * document is found once per document (`checks`, by Apollo Server's `queryHash`).
 */
export function perimeterPlugin(maxPageSize: number, checks: DocumentChecks = new DocumentChecks()): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, operation, queryHash }) {
          // @apollo/gateway would throw this later as a 500; it is the client's mistake.
          if (!operation) throw operationResolutionError(request.operationName);
          // @apollo/gateway cannot execute subscriptions (it answers 500); they have their own transport.
          if (operation.operation === 'subscription') {
            throw new GraphQLError('Subscriptions are served over WebSocket (graphql-transport-ws) on this path, not over HTTP POST/GET', {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            });
          }
          const facts = checks.facts(queryHash, document);
          const [first] = [...pageSizeErrors(facts, request.variables, maxPageSize), ...nulCharacterErrors(facts, request.variables)];
          // A request error (400), not a failure of the server (Apollo Server's default for a thrown hook error is 500).
          if (first)
            throw new GraphQLError(first.message, { nodes: first.nodes, extensions: { ...first.extensions, http: { status: 400 } } });
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single' || !response.body.singleResult.errors) return;
          const requestId = contextValue.requestId;
          response.body.singleResult.errors = response.body.singleResult.errors.map((e) => ({
            ...e,
            extensions: { ...e.extensions, requestId },
          }));
        },
      };
    },
  };
}
