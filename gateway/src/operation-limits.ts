import type { GraphQLArmorConfig } from '@escape.tech/graphql-armor-types';

/**
 * Limits every operation must pass before it is planned, over HTTP and (later) WebSocket alike.
 * Sized so the deepest legitimate retail query (customer -> orders -> lines -> variant ->
 * availability -> levels -> location) and Sandbox's introspection pass with room to spare.
 */
export const OPERATION_LIMITS: GraphQLArmorConfig = {
  maxDepth: { enabled: true, n: 15 },
  maxAliases: { enabled: true, n: 30 },
  maxDirectives: { enabled: true, n: 50 },
  maxTokens: { enabled: true, n: 5000 },
  costLimit: { enabled: true, maxCost: 20000 },
};
