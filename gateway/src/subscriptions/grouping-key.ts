import { Kind, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { getArgumentValues } from 'graphql/execution/values.js';
import type { Principal } from '@mesh/server-kit';

// Why: two client subscriptions may share one upstream subscription only when every subscriber
// would receive exactly the same bytes. That holds when the document, its variables and the
// caller are the same: subgraphs authorise and filter by the whole principal (role, subject,
// customer id, store), and the rest of the plan runs with it, so all of it is in the key.

export interface GroupingInput {
  /** The served supergraph (a reload starts new groups). */
  readonly runtimeId: string;
  readonly query: string;
  readonly operationName: string | undefined;
  /** The coerced variables (coercion fixes their key order: the operation's variable definitions). */
  readonly variables: Readonly<Record<string, unknown>>;
  readonly principal: Principal;
}

/** The key under which identical subscriptions share a group. */
export function groupingKey(input: GroupingInput): string {
  const { role, subject, customerId, storeId } = input.principal;
  return JSON.stringify([input.runtimeId, input.operationName ?? null, input.query, input.variables, [role, subject ?? null, customerId ?? null, storeId ?? null]]);
}

/**
 * Whether the subscription starts with a catch-up of its own: a snapshot (`snapshot: true`) or a
 * replay after a cursor (`after`). Those follow the domains' subscription convention and are
 * served on their own upstream subscription, never from a group that is already live.
 */
export function startsWithCatchUp(schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>>): boolean {
  const [root, ...others] = operation.selectionSet.selections;
  if (!root || others.length > 0 || root.kind !== Kind.FIELD) return true;
  const field = schema.getSubscriptionType()?.getFields()[root.name.value];
  if (!field) return true;
  const args = getArgumentValues(field, root, variables);
  return args['snapshot'] === true || (args['after'] !== undefined && args['after'] !== null);
}
