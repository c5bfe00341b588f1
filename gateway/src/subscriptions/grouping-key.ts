import { Kind, visit, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { getArgumentValues } from 'graphql/execution/values.js';
import type { Principal } from '@mesh/server-kit';
import { CATCH_UP_ARGUMENTS } from './cursor-resume.js';

// Why: two client subscriptions may share one upstream subscription only when every subscriber
// would receive exactly the same bytes. That holds when the document, its variables and the
// caller are the same: subgraphs authorise and filter by the whole principal (role, subject,
// customer id, store), and the rest of the plan runs with it, so all of it is in the key. A
// group is live only (its upstream asks for no snapshot and no replay), so the variables that
// only ask for a catch-up are left out: subscribers catch up on their own, then join.

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
  return JSON.stringify([
    input.runtimeId,
    input.operationName ?? null,
    input.query,
    input.variables,
    [role, subject ?? null, customerId ?? null, storeId ?? null],
  ]);
}

/** Per document, the variables that only feed the root field's `after` or `snapshot`. */
const catchUpOnly = new WeakMap<DocumentNode, ReadonlySet<string>>();

/** The variables without those that only feed the root field's `after` or `snapshot` (used nowhere else in the document). */
export function liveVariables(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  let only = catchUpOnly.get(document);
  if (!only) {
    only = catchUpVariablesOf(document, operation);
    catchUpOnly.set(document, only);
  }
  if (only.size === 0) return variables;
  const skipped = only;
  return Object.fromEntries(Object.entries(variables).filter(([name]) => !skipped.has(name)));
}

function catchUpVariablesOf(document: DocumentNode, operation: OperationDefinitionNode): ReadonlySet<string> {
  const [root] = operation.selectionSet.selections;
  if (root?.kind !== Kind.FIELD) return new Set();
  const catchUp = (root.arguments ?? []).flatMap((argument) =>
    argument.name.value in CATCH_UP_ARGUMENTS && argument.value.kind === Kind.VARIABLE ? [argument.value.name.value] : [],
  );
  if (catchUp.length === 0) return new Set();
  const uses = new Map<string, number>();
  visit(document, { Variable: (node) => void uses.set(node.name.value, (uses.get(node.name.value) ?? 0) + 1) });
  // A definition counts once ($x in `($x: String)`), the root argument once.
  return new Set(catchUp.filter((name) => uses.get(name) === 2));
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
