import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import type { FetchNode, QueryPlan } from '@apollo/query-planner';
import type { DocumentNode, GraphQLError } from 'graphql';
import type { ExecutionResult, FormattedExecutionResult } from 'graphql-ws';
import type { Logger } from '@mesh/server-kit';
import type { GatewayContext } from '../context.js';
import type { SubscriptionPlan, SubscriptionPlanner } from './subscription-planner.js';

// Why: each upstream event is the result of the plan's primary fetch. Running a plan whose first
// fetch is answered in-process with that event, followed by the planned `rest`, lets the
// gateway's own executor resolve every other field across subgraphs exactly as for a query:
// same data sources (credential, timeout), same partial data and error shaping.

/** The service name of the in-process fetch; never a real subgraph, so `rest` fetches to the owning subgraph still go over HTTP. */
const EVENT_SOURCE = '__subscription_event__';

type RequestContext = Parameters<typeof executeQueryPlan>[2];

export interface EventExecution {
  readonly planner: SubscriptionPlanner;
  readonly plan: SubscriptionPlan;
  readonly services: ServiceMap;
  readonly document: DocumentNode;
  readonly operationName: string | undefined;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly context: GatewayContext;
  readonly logger: Logger;
}

/** Resolves one upstream event into the client's full result (data, partial data, errors). */
export async function executeEvent(execution: EventExecution, event: FormattedExecutionResult<Record<string, unknown>, unknown>): Promise<ExecutionResult> {
  const { planner, plan, document, operationName } = execution;
  const source: GraphQLDataSource = {
    process: async () => ({ data: event.data ?? null, ...(event.errors?.length ? { errors: event.errors } : {}) }),
  };
  const primary: FetchNode = { ...plan.primary, serviceName: EVENT_SOURCE };
  const queryPlan: QueryPlan = { kind: 'QueryPlan', node: plan.rest ? { kind: 'Sequence', nodes: [primary, plan.rest] } : primary };
  const operationContext = buildOperationContext({
    schema: planner.apiGraphQLSchema,
    operationDocument: document,
    ...(operationName ? { operationName } : {}),
  });
  // Only the fields the executor and data sources read; the rest of Apollo's request context
  // (cache, metrics reporting, overall cache policy) has no meaning for a pushed event.
  const requestContext = {
    request: { variables: { ...execution.variables }, ...(operationName ? { operationName } : {}) },
    context: execution.context,
    logger: execution.logger,
    metrics: {},
    document,
    operationName: operationName ?? null,
  } as unknown as RequestContext;
  const result = await executeQueryPlan(
    queryPlan,
    { ...execution.services, [EVENT_SOURCE]: source },
    requestContext,
    operationContext,
    planner.supergraphGraphQLSchema,
    planner.apiSchema,
  );
  const errors = result.errors?.map((error) => attributeToOwner(error as GraphQLError, plan.primary.serviceName));
  return { ...(result.data !== undefined ? { data: result.data as Record<string, unknown> | null } : {}), ...(errors ? { errors } : {}) };
}

/** Errors that came with the event name the subgraph that sent it, not the in-process source. */
function attributeToOwner(error: GraphQLError, owner: string): GraphQLError {
  if (error.extensions?.['serviceName'] === EVENT_SOURCE) (error.extensions as Record<string, unknown>)['serviceName'] = owner;
  return error;
}
