import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { ServiceMetrics } from './metrics.js';

/** What an operation that never resolved (unparsable, invalid, unknown operation name) is counted as. */
const UNRESOLVED = 'UNRESOLVED';
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/**
 * Times every GraphQL operation and counts its errors (mesh_graphql_operation_duration_seconds,
 * mesh_graphql_errors_total). The operation label is its first root field, which validation has
 * checked against the schema, so the label set is bounded by the schema (client-chosen operation
 * names never become labels); error codes outside the SCREAMING_CASE shape count as OTHER.
 */
export function operationMetricsPlugin<TContext extends BaseContext>(metrics: ServiceMetrics): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      const startedAt = performance.now();
      let operation = UNRESOLVED;
      let operationType = UNRESOLVED;
      return {
        async didResolveOperation({ operation: resolved }) {
          if (!resolved) return;
          operationType = resolved.operation;
          operation = firstRootField(resolved);
        },
        async willSendResponse({ response, errors }) {
          const answered = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const all = answered.length > 0 ? answered : (errors ?? []);
          for (const error of all) {
            const code = String(error.extensions?.['code'] ?? 'UNKNOWN');
            metrics.operationErrors.inc({ operation, code: ERROR_CODE.test(code) ? code : 'OTHER' });
          }
          const outcome = all.length > 0 ? 'error' : 'ok';
          metrics.operationDuration.observe({ operation, operation_type: operationType, outcome }, (performance.now() - startedAt) / 1000);
        },
      };
    },
  };
}

function firstRootField(operation: OperationDefinitionNode): string {
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind === Kind.FIELD && selection.name.value !== '__typename') return selection.name.value;
  }
  return operation.selectionSet.selections.length > 0 ? 'FRAGMENT' : UNRESOLVED;
}
