import type { z } from 'zod';
import { BadUserInputError } from './errors';

/**
 * Validates a client's input against a zod schema.
 * @returns the parsed (trimmed, defaulted) value.
 * @throws BadUserInputError with the first issue's message and `field` (dotted path) in extensions.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.');
  throw new BadUserInputError(field ? `${field}: ${issue.message}` : issue.message, field ? { field } : {});
}
