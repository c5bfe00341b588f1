import {
  Kind,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  valueFromAST,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

// How cost is counted (the shape of Apollo's and IBM's demand-control models): every field that
// returns an object costs 1 for each object it may return, leaf fields cost 0, each root
// mutation field 10. A list may return as many objects as the request asks for: its `first`
// (or another slicing argument, including the argument's default), the slicing argument of the
// connection above it (`orders(first: 20) { edges { ... } }`), else its declared size (LIST_SIZES
// or the schema's @listSize(assumedSize)), else DEFAULT_LIST_SIZE. Fragments on different types
// are all counted: an upper bound, like the rest.

/** A list's declared size and the arguments that size it, per `Type.field`. */
export interface ListSize {
  readonly assumedSize?: number;
  readonly slicingArguments?: readonly string[];
}

export interface CostModel {
  readonly defaultListSize: number;
  /** Declared sizes, `Type.field` -> size (configuration and the schema's @listSize). */
  readonly listSizes: ReadonlyMap<string, ListSize>;
}

const DEFAULT_SLICING_ARGUMENTS = ['first', 'last', 'limit'] as const;
const MUTATION_FIELD_COST = 10;

export function estimateOperationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Readonly<Record<string, unknown>>,
  model: CostModel,
): number {
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const visiting = new Set<string>();

  function sizeFrom(field: GraphQLField<unknown, unknown>, node: FieldNode, names: readonly string[]): number | undefined {
    for (const name of names) {
      const definition = field.args.find((arg) => arg.name === name);
      if (!definition) continue;
      const argument = node.arguments?.find((arg) => arg.name.value === name);
      const value = argument ? valueFromAST(argument.value, definition.type, variables) : definition.defaultValue;
      if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, value);
    }
    return undefined;
  }

  function selectionCost(type: GraphQLCompositeType, selectionSet: SelectionSetNode, sizedByParent: number | undefined): number {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        if (condition && isCompositeType(condition)) total += selectionCost(condition, selection.selectionSet, sizedByParent);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || visiting.has(fragment.name.value)) continue;
        const condition = schema.getType(fragment.typeCondition.name.value);
        if (!condition || !isCompositeType(condition)) continue;
        visiting.add(fragment.name.value);
        total += selectionCost(condition, fragment.selectionSet, sizedByParent);
        visiting.delete(fragment.name.value);
        continue;
      }
      total += fieldCost(type, selection, sizedByParent);
    }
    return total;
  }

  function fieldCost(parent: GraphQLCompositeType, node: FieldNode, sizedByParent: number | undefined): number {
    if (!(isObjectType(parent) || isInterfaceType(parent))) return 0; // only __typename is selectable on a union
    const field = parent.getFields()[node.name.value];
    if (!field) return 0;
    const named = getNamedType(field.type);
    const base = parent === root && operationIsMutation ? MUTATION_FIELD_COST : 0;
    if (!isCompositeType(named) || !node.selectionSet) return base;
    const declared = model.listSizes.get(`${parent.name}.${field.name}`);
    const sliced = sizeFrom(field, node, declared?.slicingArguments ?? DEFAULT_SLICING_ARGUMENTS);
    const isList = isListType(getNullableType(field.type));
    // A sliced field that is not itself a list (a connection) passes its size to the lists under it.
    const childSize = isList ? undefined : sliced;
    const count = isList ? (sliced ?? sizedByParent ?? declared?.assumedSize ?? model.defaultListSize) : 1;
    return base + count * (1 + selectionCost(named, node.selectionSet, childSize));
  }

  const operationIsMutation = operation.operation === 'mutation';
  return selectionCost(root, operation.selectionSet, undefined);
}

/** The fragments of a document by name. */
export function fragmentsOf(definitions: readonly { readonly kind: Kind }[]): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      const fragment = definition as FragmentDefinitionNode;
      fragments.set(fragment.name.value, fragment);
    }
  }
  return fragments;
}
