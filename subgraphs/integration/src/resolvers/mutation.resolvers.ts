import type { MutationResolvers } from '../__generated__/resolvers-types.js';

export const Mutation: MutationResolvers = {
  setIntegrationMapping: (_parent, { input }, { mappings }) => mappings.set(input),
  replayInboundMessage: (_parent, { id }, { inbox }) => inbox.replay(id),
};
