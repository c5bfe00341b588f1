import type { MutationResolvers } from '../__generated__/resolvers-types.js';

export const Mutation: MutationResolvers = {
  schedulePrice: async (_parent, { input }, { pricing }) => {
    const { list, period } = await pricing.schedulePrice(input);
    return { ...period, currency: list.currency };
  },
};
