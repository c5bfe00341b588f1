import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { validate, type DocumentNode, type GraphQLError, type GraphQLSchema, type OperationDefinitionNode, type ValidationRule } from 'graphql';
import type { LoadedSupergraph } from '../supergraph/supergraph-source.js';
import type { OperationLimitsConfig } from './governance-config.js';
import { declaredListSizes } from './list-sizes.js';
import { estimateOperationCost, fragmentsOf, type CostModel } from './operation-cost.js';
import { refusal, type RefusalCode } from './refusals.js';

// Why: graphql-armor counts depth, aliases and directives well, but as validation rules its
// refusals reach clients as GRAPHQL_VALIDATION_FAILED; run here, each gets its own code and a 400.
// The same guard serves HTTP (an Apollo plugin) and subscriptions (the socket server).

/** What an operation was judged: refused, or its estimated cost. */
export type GuardVerdict = { readonly refusal: GraphQLError } | { readonly cost: number; readonly maxCost: number };

export interface OperationGuard {
  /** Checks shape (per document, remembered) and cost (per request: it depends on the variables). */
  judge(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>>): GuardVerdict;
}

export function createOperationGuard(limits: OperationLimitsConfig, supergraph: () => LoadedSupergraph): OperationGuard {
  const shapeRules: readonly { readonly code: RefusalCode; readonly rule: (reject: (error: GraphQLError) => void) => ValidationRule }[] = [
    {
      code: 'OPERATION_TOO_DEEP',
      rule: (reject) =>
        maxDepthRule({
          n: limits.maxDepth,
          ignoreIntrospection: true,
          exposeLimits: true,
          propagateOnRejection: false,
          onReject: [(_, error) => reject(error)],
        }),
    },
    {
      code: 'TOO_MANY_ALIASES',
      rule: (reject) => maxAliasesRule({ n: limits.maxAliases, exposeLimits: true, propagateOnRejection: false, onReject: [(_, error) => reject(error)] }),
    },
    {
      code: 'TOO_MANY_DIRECTIVES',
      rule: (reject) =>
        maxDirectivesRule({ n: limits.maxDirectives, exposeLimits: true, propagateOnRejection: false, onReject: [(_, error) => reject(error)] }),
    },
  ];
  const shapes = new WeakMap<DocumentNode, GraphQLError | null>();
  let model: { id: string; value: CostModel } | undefined;

  function shapeRefusal(schema: GraphQLSchema, document: DocumentNode): GraphQLError | null {
    const known = shapes.get(document);
    if (known !== undefined) return known;
    let found: GraphQLError | null = null;
    for (const { code, rule } of shapeRules) {
      let rejected: GraphQLError | undefined;
      validate(schema, document, [rule((error) => (rejected ??= error))]);
      if (rejected) {
        found = refusal(code, rejected.message.replace(/^Syntax Error: /, ''));
        break;
      }
    }
    shapes.set(document, found);
    return found;
  }

  function costModel(): CostModel {
    const current = supergraph();
    if (model?.id !== current.id) {
      model = { id: current.id, value: { defaultListSize: limits.defaultListSize, listSizes: declaredListSizes(current.supergraph, limits.listSizes) } };
    }
    return model.value;
  }

  return {
    judge(schema, document, operation, variables) {
      const refused = shapeRefusal(schema, document);
      if (refused) return { refusal: refused };
      const cost = estimateOperationCost(schema, operation, fragmentsOf(document.definitions), variables, costModel());
      if (cost > limits.maxCost) {
        return {
          refusal: refusal(
            'OPERATION_TOO_COSTLY',
            `The operation's estimated cost ${cost} exceeds the limit of ${limits.maxCost}; ask for smaller pages (first)`,
            {
              extensions: { cost: { estimated: cost, max: limits.maxCost } },
            },
          ),
        };
      }
      return { cost, maxCost: limits.maxCost };
    },
  };
}
