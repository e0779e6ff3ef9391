/**
 * The landing page at GET /graphql (browsers, outside production): Apollo Sandbox embedded, opened
 * on a federated example operation, with an empty `Authorization` header row ready for a token.
 * The same operation is the README's "federated product query"; the landing-page test checks both.
 */
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { ApolloServerPlugin } from '@apollo/server';

/**
 * The example Sandbox opens with: one page of products (product subgraph) with their rating and
 * latest reviews (review subgraph) and each review's author (user subgraph). Public: no token needed.
 */
export const SANDBOX_DOCUMENT = `# One query, three subgraphs: products (product), ratings and reviews (review), authors (user).
# Signed-in operations: run SignIn (see README), then set the Authorization header to "Bearer <accessToken>".
query ProductsWithReviews($category: String!, $first: Int!) {
  products(first: $first, filter: { categorySlug: $category }, sort: PRICE_ASC) {
    totalCount
    edges {
      node {
        id
        title
        brand
        stock
        price {
          amount
          currencyCode
        }
        salePrice {
          amount
        }
        averageRating
        reviewCount
        reviews(first: 2) {
          edges {
            node {
              rating
              body
              author {
                username
              }
            }
          }
        }
      }
    }
  }
}
`;

/** Variables of {@link SANDBOX_DOCUMENT}. */
export const SANDBOX_VARIABLES = { category: 'smartphones', first: 5 };

/**
 * Apollo Server's local landing page with the embedded Sandbox on {@link SANDBOX_DOCUMENT}. The
 * `Authorization` header starts empty: an empty value counts as anonymous at the gateway, whereas a
 * placeholder such as `Bearer <token>` would be refused (UNAUTHENTICATED) on every request.
 */
export function sandboxLandingPage(): ApolloServerPlugin {
  return ApolloServerPluginLandingPageLocalDefault({
    embed: true,
    document: SANDBOX_DOCUMENT,
    variables: SANDBOX_VARIABLES,
    headers: { Authorization: '' },
  });
}
