import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import type { ClientLimits } from './client-limits.js';
import type { OperationGuard } from './operation-guard.js';

/** What the response's `extensions.cost` says about the operation. */
export interface CostExtension {
  readonly estimated: number;
  readonly max: number;
  /** Points left of the client's budget in this window (absent when budgets are off). */
  readonly budgetRemaining?: number;
}

/**
 * Judges every HTTP operation once it is parsed and validated: depth, aliases and directives,
 * then the cost estimated from the list sizes it asks for, charged to the client's budget.
 * Refusals answer 400 (429 for a spent budget) with their code; accepted operations carry
 * `extensions.cost`.
 */
export function demandControlPlugin(guard: OperationGuard, limits: ClientLimits): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      let cost: CostExtension | undefined;
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          if (!operation) return;
          const verdict = guard.judge(schema, document, operation, request.variables ?? {});
          if ('refusal' in verdict) throw verdict.refusal;
          const charge = await limits.chargeCost(contextValue.clientKey, verdict.cost);
          if (charge.refusal) throw charge.refusal;
          cost = { estimated: verdict.cost, max: verdict.maxCost, ...(charge.remaining !== undefined ? { budgetRemaining: charge.remaining } : {}) };
        },
        async willSendResponse({ response }) {
          if (!cost || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, cost };
        },
      };
    },
  };
}
