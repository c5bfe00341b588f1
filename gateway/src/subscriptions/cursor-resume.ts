import type { FetchNode } from '@apollo/query-planner';
import { Kind, getNamedType, isObjectType, parse, print, type ArgumentNode, type FieldNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { ResubscribeHook, UpstreamRequest } from './upstream-pool.js';

// Why: a subgraph restart drops the gateway's upstream socket. The domains' subscription fields
// follow one convention (an `after: String` argument and a `cursor` on every update), so the
// gateway can resume each subscription right after the last event it delivered: it always asks
// the owning subgraph for the cursor (under an alias the client never sees: the executor shapes
// the client's result from the client's own selection) and resubscribes with `after` set to it.

/** The alias under which the primary fetch carries each update's cursor. */
export const RESUME_CURSOR_ALIAS = 'meshResumeCursor';
/** The alias under which it carries each update's `kind` (SNAPSHOT, CHANGE, ...), when the type has one. */
export const RESUME_KIND_ALIAS = 'meshResumeKind';

/** The root field of a primary subscription fetch, when there is exactly one. */
function rootField(operation: OperationDefinitionNode): FieldNode | undefined {
  const fields = operation.selectionSet.selections.filter((selection): selection is FieldNode => selection.kind === Kind.FIELD);
  return fields.length === 1 ? fields[0] : undefined;
}

function onlyOperation(query: string): OperationDefinitionNode | undefined {
  const document = parse(query);
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  return operations.length === 1 && document.definitions.length === 1 ? operations[0] : undefined;
}

/**
 * Adds `meshResumeCursor: cursor` (and `meshResumeKind: kind` when the type has a kind) to a
 * primary subscription fetch whose root field is resumable (takes `after: String` and returns a
 * type with `cursor`); other fetches are returned unchanged.
 */
export function withResumeCursor(primary: FetchNode, apiSchema: GraphQLSchema): FetchNode {
  const operation = onlyOperation(primary.operation);
  const root = operation && rootField(operation);
  const definition = root && apiSchema.getSubscriptionType()?.getFields()[root.name.value];
  const returned = definition && getNamedType(definition.type);
  if (!operation || !root || !definition || !isObjectType(returned) || !returned.getFields()['cursor']) return primary;
  if (!definition.args.some((arg) => arg.name === 'after' && getNamedType(arg.type).name === 'String')) return primary;
  if (root.selectionSet?.selections.some((selection) => selection.kind === Kind.FIELD && selection.alias?.value === RESUME_CURSOR_ALIAS)) return primary;
  const hidden = (alias: string, name: string): FieldNode => ({
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: alias },
    name: { kind: Kind.NAME, value: name },
  });
  const added = [hidden(RESUME_CURSOR_ALIAS, 'cursor'), ...(returned.getFields()['kind'] ? [hidden(RESUME_KIND_ALIAS, 'kind')] : [])];
  const newRoot: FieldNode = { ...root, selectionSet: { kind: Kind.SELECTION_SET, selections: [...added, ...(root.selectionSet?.selections ?? [])] } };
  const rewritten: OperationDefinitionNode = { ...operation, selectionSet: { ...operation.selectionSet, selections: [newRoot] } };
  return { ...primary, operation: print({ kind: Kind.DOCUMENT, definitions: [rewritten] }) };
}

/**
 * The gateway's default resubscribe hook: a resumable subscription that delivered an event
 * resubscribes with `after` = that event's cursor (replacing the variable's value, or the literal
 * argument); anything else resubscribes unchanged. The subgraph then delivers what was missed,
 * in order, or a RETENTION_EXCEEDED marker and a fresh snapshot when the cursor has expired.
 */
export const resumeFromCursor: ResubscribeHook = ({ request, lastEvent }) => {
  const operation = onlyOperation(request.query);
  const root = operation && rootField(operation);
  if (!operation || !root) return request;
  const update = lastEvent?.data?.[root.alias?.value ?? root.name.value];
  const cursor = update && typeof update === 'object' ? (update as Record<string, unknown>)[RESUME_CURSOR_ALIAS] : undefined;
  if (typeof cursor !== 'string') return request;
  const existing = root.arguments?.find((argument) => argument.name.value === 'after');
  if (existing?.value.kind === Kind.VARIABLE) return { ...request, variables: { ...request.variables, [existing.value.name.value]: cursor } };
  const after: ArgumentNode = { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'after' }, value: { kind: Kind.STRING, value: cursor } };
  const newRoot: FieldNode = { ...root, arguments: [...(root.arguments ?? []).filter((argument) => argument !== existing), after] };
  const rewritten: OperationDefinitionNode = { ...operation, selectionSet: { ...operation.selectionSet, selections: [newRoot] } };
  return { ...request, query: print({ kind: Kind.DOCUMENT, definitions: [rewritten] }) };
};

/** The root-field arguments by which a subscription asks for a catch-up before its live changes. */
export const CATCH_UP_ARGUMENTS = { after: null, snapshot: false } as const;

/** How one primary operation text is made live only: its rewritten text and the variables to override. */
interface LiveForm {
  readonly query: string;
  readonly variables: Readonly<Record<string, unknown>>;
}

/** Live forms of the primary operations seen (a few per served document; oldest forgotten first). */
const liveForms = new Map<string, LiveForm | undefined>();
const LIVE_FORMS = 500;

/**
 * The live-only form of a primary subscription request: `after` null and `snapshot` false (in
 * the variables that carry them, or as literals). A shared group subscribes upstream with it;
 * each subscriber's catch-up (snapshot, resume) runs on an upstream subscription of its own.
 */
export function liveOnly(request: UpstreamRequest): UpstreamRequest {
  if (!liveForms.has(request.query)) {
    if (liveForms.size >= LIVE_FORMS) liveForms.delete(liveForms.keys().next().value as string);
    liveForms.set(request.query, liveFormOf(request.query));
  }
  const form = liveForms.get(request.query);
  return form ? { ...request, query: form.query, variables: { ...request.variables, ...form.variables } } : request;
}

function liveFormOf(query: string): LiveForm | undefined {
  const operation = onlyOperation(query);
  const root = operation && rootField(operation);
  if (!operation || !root?.arguments?.some((argument) => argument.name.value in CATCH_UP_ARGUMENTS)) return undefined;
  const variables: Record<string, unknown> = {};
  const args = root.arguments.map((argument): ArgumentNode => {
    const name = argument.name.value;
    if (!(name in CATCH_UP_ARGUMENTS)) return argument;
    const live = CATCH_UP_ARGUMENTS[name as keyof typeof CATCH_UP_ARGUMENTS];
    if (argument.value.kind === Kind.VARIABLE) {
      variables[argument.value.name.value] = live;
      return argument;
    }
    return { ...argument, value: live === null ? { kind: Kind.NULL } : { kind: Kind.BOOLEAN, value: live } };
  });
  const newRoot: FieldNode = { ...root, arguments: args };
  const rewritten: OperationDefinitionNode = { ...operation, selectionSet: { ...operation.selectionSet, selections: [newRoot] } };
  return { query: print({ kind: Kind.DOCUMENT, definitions: [rewritten] }), variables };
}
