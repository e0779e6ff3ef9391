import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context';
import { pageSizeErrors } from './limits';

/**
 * The HTTP side of the perimeter that validation rules cannot do: the page-size cap on
 * variables (checked once the operation is known, before any subgraph is called), and the
 * request's correlation id in every error's `extensions.requestId`.
 */
export function perimeterPlugin(maxPageSize: number): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          const [first] = pageSizeErrors(document, request.variables, maxPageSize);
          if (first) throw first;
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
