import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { SubscribePayload } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { GraphQLError, type DocumentNode, type ExecutionArgs, type OperationDefinitionNode, type ValidationRule } from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { meshError, parseSubscriptionDocument, type Principal } from '@mesh/server-kit';
import type { GatewayContext } from '../context.js';
import type { OperationGuard } from '../governance/operation-guard.js';
import { groupingKey, liveVariables, startsWithCatchUp } from './grouping-key.js';
import type { SubscriptionPlan } from './subscription-planner.js';
import type { SubscriptionRuntime } from './subscription-runtime.js';

// Why: thousands of devices subscribe with the same few documents. Parsing, validation and the
// plan depend on the document and schema only, so they are done once per text; variables, limits
// and the caller are checked per subscription.

/** Where a subscription's events are written: the client's socket and subscription id. */
export interface Delivery {
  readonly socket: WebSocket;
  /** The upgraded connection under `socket`. */
  readonly stream: Duplex;
  readonly id: string;
  /** Whether graphql-ws still holds the subscription (the client may complete it while it is being prepared). */
  readonly active: () => boolean;
}

/** A subscription ready to federate: its plan, its group, and who receives it. */
export interface Prepared {
  readonly plan: SubscriptionPlan;
  readonly delivery: Delivery;
  /** The live group of identical subscriptions it shares. */
  readonly groupKey: string;
  /** It starts with a catch-up of its own (a snapshot, a resume) before it joins the group. */
  readonly catchUp: boolean;
  readonly document: DocumentNode;
  readonly operationName: string | undefined;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly context: GatewayContext;
  readonly runtime: SubscriptionRuntime;
  readonly cost: number;
}

/** A subscription document that parsed, validated and planned (shared by every subscriber sending it). */
interface PreparedDocument {
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly plan: SubscriptionPlan;
  readonly runtime: SubscriptionRuntime;
}

export interface PreparationOptions {
  /** The planner and data sources of the supergraph being served (a reload swaps them for new subscriptions). */
  readonly runtime: () => SubscriptionRuntime;
  /** Depth, aliases, directives and cost, as on HTTP. */
  readonly guard: OperationGuard;
  /** The HTTP validation rules (graphql-armor's). */
  readonly validationRules: readonly ValidationRule[];
  readonly maxTokens: number | undefined;
}

export interface SubscriptionPreparation {
  /** Checks a subscribe message; the arguments it returns are handed by graphql-ws to `subscribe` unchanged. */
  prepare(payload: SubscribePayload, principal: Principal, clientKey: string, delivery: Delivery): ExecutionArgs | readonly GraphQLError[];
  /** What `prepare` decided for the arguments it returned. */
  preparedOf(args: ExecutionArgs): Prepared | undefined;
}

/** Distinct subscription documents remembered (oldest forgotten first). */
const PREPARED_DOCUMENTS = 500;

const isErrorList = (value: PreparedDocument | readonly GraphQLError[]): value is readonly GraphQLError[] => Array.isArray(value);

export function createSubscriptionPreparation(options: PreparationOptions): SubscriptionPreparation {
  // graphql-ws hands the object onSubscribe returns to `subscribe` unchanged: the plan rides along here.
  const preparedArgs = new WeakMap<ExecutionArgs, Prepared>();
  const documents = new Map<string, PreparedDocument | readonly GraphQLError[]>();

  function prepareDocument(query: string, operationName: string | undefined): PreparedDocument | readonly GraphQLError[] {
    const runtime = options.runtime();
    const key = `${runtime.id}\n${operationName ?? ''}\n${query}`;
    const hit = documents.get(key);
    if (hit) return hit;
    const prepared = prepareUncached(runtime, query, operationName);
    if (documents.size >= PREPARED_DOCUMENTS) documents.delete(documents.keys().next().value as string);
    documents.set(key, prepared);
    return prepared;
  }

  function prepareUncached(runtime: SubscriptionRuntime, query: string, operationName: string | undefined): PreparedDocument | readonly GraphQLError[] {
    const { planner } = runtime;
    const parsed = parseSubscriptionDocument(planner.apiGraphQLSchema, query, operationName, {
      maxTokens: options.maxTokens,
      rules: options.validationRules,
      nameTheOperation: 'Name the operation to run',
      onlySubscriptions: 'Over WebSocket the gateway serves subscriptions; send queries and mutations over HTTP',
    });
    if (!('document' in parsed)) return parsed;
    try {
      return { ...parsed, plan: planner.plan(parsed.document, operationName), runtime };
    } catch (error) {
      if (error instanceof GraphQLError) return [error];
      throw error;
    }
  }

  return {
    prepare(payload, principal, clientKey, delivery) {
      const operationName = payload.operationName ?? undefined;
      const prepared = prepareDocument(payload.query, operationName);
      if (isErrorList(prepared)) return prepared;
      const { document, operation, plan, runtime } = prepared;
      const schema = runtime.planner.apiGraphQLSchema;
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {});
      if (coerced.errors) return coerced.errors.map((error) => meshError('BAD_USER_INPUT', error.message));
      const verdict = options.guard.judge(schema, document, operation, coerced.coerced);
      if ('refusal' in verdict) return [verdict.refusal];
      const context: GatewayContext = { principal, correlationId: randomUUID(), clientKey };
      const args: ExecutionArgs = { schema, document, operationName: operationName ?? null, variableValues: coerced.coerced, contextValue: context };
      const groupKey = groupingKey({
        runtimeId: runtime.id,
        query: payload.query,
        operationName,
        variables: liveVariables(document, operation, coerced.coerced),
        principal,
      });
      const catchUp = startsWithCatchUp(schema, operation, coerced.coerced);
      preparedArgs.set(args, { plan, delivery, groupKey, catchUp, document, operationName, variables: coerced.coerced, context, runtime, cost: verdict.cost });
      return args;
    },
    preparedOf: (args) => preparedArgs.get(args),
  };
}
