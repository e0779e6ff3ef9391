import { specifiedRules, validate, type DocumentNode, type GraphQLError, type GraphQLSchema, type ValidationRule } from 'graphql';

/**
 * Validation rules beyond the GraphQL specification's, applied to every operation on every
 * transport: HTTP (Apollo Server's `validationRules`), graphql-ws and SSE (validateOperation).
 * Operation limits (depth, aliases, cost) belong here, so one list covers all three.
 */
export const extraValidationRules: ValidationRule[] = [];

/** Validates `document` against the API schema with the spec's rules and {@link extraValidationRules}. */
export function validateOperation(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
  return validate(schema, document, [...specifiedRules, ...extraValidationRules]);
}
