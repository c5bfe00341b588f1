import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { Counter, type Registry } from 'prom-client';
import type { GatewayContext } from '../context.js';
import { REFUSALS } from './refusals.js';

/** Codes counted as policy refusals: the gateway's own (REFUSALS) and a token that does not verify. */
const COUNTED: ReadonlySet<string> = new Set([...Object.keys(REFUSALS), 'UNAUTHENTICATED']);

/**
 * mesh_gateway_refusals_total{code, role}: operations the gateway refused by policy (rate limits,
 * cost budgets, shape and cost limits, trusted operations, an unverifiable token), by code and
 * the caller's role (anonymous until a token verified). Role, not subject: the label set stays
 * bounded however many clients there are.
 */
export interface RefusalMetrics {
  /** Counts `error` when it is a policy refusal; anything else is ignored. */
  count(error: unknown, role: string): void;
  /** Counts the refusals an operation was answered with (those raised while it was planned). */
  readonly plugin: ApolloServerPlugin<GatewayContext>;
}

export function createRefusalMetrics(registry: Registry): RefusalMetrics {
  const refusals = new Counter({
    name: 'mesh_gateway_refusals_total',
    help: "Operations the gateway refused by policy, by code and the caller's role",
    labelNames: ['code', 'role'],
    registers: [registry],
  });
  const count = (error: unknown, role: string) => {
    const code = error instanceof GraphQLError ? error.extensions['code'] : undefined;
    if (typeof code === 'string' && COUNTED.has(code)) refusals.inc({ code, role });
  };
  return {
    count,
    plugin: {
      async requestDidStart() {
        return {
          async didEncounterErrors({ errors, contextValue }) {
            for (const error of errors) count(error, contextValue.principal.role);
          },
        };
      },
    },
  };
}
