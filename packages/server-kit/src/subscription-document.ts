import {
  GraphQLError,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from 'graphql';
import { meshError } from './errors.js';

export interface SubscriptionDocumentOptions {
  /** Parser token limit (none when undefined). */
  readonly maxTokens?: number | undefined;
  /** Rules beside GraphQL's specified ones (the gateway's graphql-armor rules). */
  readonly rules?: readonly ValidationRule[];
  /** The BAD_REQUEST message for an operation that is not a subscription. */
  readonly onlySubscriptions: string;
  /** The BAD_REQUEST message when the document has several operations and none is named (default `onlySubscriptions`). */
  readonly nameTheOperation?: string;
}

/** A subscription operation that parsed and validated. */
export interface SubscriptionDocument {
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
}

/**
 * Parses and validates what a socket asked to subscribe to, as over HTTP: GRAPHQL_PARSE_FAILED,
 * GRAPHQL_VALIDATION_FAILED (a rule's own code kept), and BAD_REQUEST for anything but one
 * subscription operation. Over WebSocket only subscriptions are served.
 */
export function parseSubscriptionDocument(
  schema: GraphQLSchema,
  query: string,
  operationName: string | undefined,
  options: SubscriptionDocumentOptions,
): SubscriptionDocument | readonly GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(query, options.maxTokens ? { maxTokens: options.maxTokens } : {});
  } catch (error) {
    return [meshError('GRAPHQL_PARSE_FAILED', error instanceof Error ? error.message : 'The operation does not parse')];
  }
  const errors = validate(schema, document, [...specifiedRules, ...(options.rules ?? [])]);
  if (errors.length > 0) {
    return errors.map((error) =>
      error.extensions['code'] ? error : new GraphQLError(error.message, { nodes: error.nodes ?? null, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
    );
  }
  const operation = getOperationAST(document, operationName);
  if (!operation) return [meshError('BAD_REQUEST', options.nameTheOperation ?? options.onlySubscriptions)];
  if (operation.operation !== 'subscription') return [meshError('BAD_REQUEST', options.onlySubscriptions)];
  return { document, operation };
}
