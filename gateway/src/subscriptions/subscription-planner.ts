import { type Supergraph, operationFromDocument, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode } from '@apollo/query-planner';
import { GraphQLError, print, type DocumentNode, type GraphQLSchema } from 'graphql';
import { withResumeCursor } from './cursor-resume.js';

// Why: @apollo/gateway refuses to execute a plan whose root is a SubscriptionNode, but its query
// planner builds one correctly: the `primary` fetch goes to the subgraph that owns the
// subscription field, `rest` resolves everything else for each event. This file only plans.

/** A subscription's plan: what to subscribe to upstream, and what to run for each event. */
export interface SubscriptionPlan {
  readonly primary: FetchNode;
  readonly rest: PlanNode | undefined;
}

/** The supergraph's schemas and planner, built once per supergraph (the one the HTTP gateway serves). */
export class SubscriptionPlanner {
  /** The API schema clients validate against (federation-internals form, for the executor). */
  readonly apiSchema: Schema;
  /** The API schema as graphql-js, for validation and the executor's operation context. */
  readonly apiGraphQLSchema: GraphQLSchema;
  /** The supergraph schema as graphql-js, which the executor needs to shape entity fetches. */
  readonly supergraphGraphQLSchema: GraphQLSchema;
  private readonly planner: QueryPlanner;
  private readonly cache = new Map<string, SubscriptionPlan>();

  constructor(supergraph: Supergraph) {
    this.apiSchema = supergraph.apiSchema();
    this.apiGraphQLSchema = this.apiSchema.toGraphQLJSSchema();
    this.supergraphGraphQLSchema = supergraph.schema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(supergraph);
  }

  /** Plans a validated subscription operation; plans are cached per document and operation name. */
  plan(document: DocumentNode, operationName: string | undefined): SubscriptionPlan {
    const key = `${operationName ?? ''}\n${print(document)}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const operation = operationFromDocument(this.apiSchema, document, { ...(operationName ? { operationName } : {}), validate: false });
    const node = this.planner.buildQueryPlan(operation).node;
    if (node?.kind !== 'Subscription')
      throw new GraphQLError('Only subscription operations are served over WebSocket', { extensions: { code: 'BAD_REQUEST' } });
    // The primary also carries each update's cursor, so a dropped upstream can resume (cursor-resume.ts).
    const plan: SubscriptionPlan = { primary: withResumeCursor(node.primary, this.apiGraphQLSchema), rest: node.rest };
    if (this.cache.size >= 500) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, plan);
    return plan;
  }
}
