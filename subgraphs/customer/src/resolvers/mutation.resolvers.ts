import type { MergeCustomersResultResolvers, MutationResolvers } from '../__generated__/resolvers-types.js';

export const Mutation: MutationResolvers = {
  mergeCustomers: (_parent, { input }, { commands }) => commands.mergeCustomers(input),
};

export const MergeCustomersResult: MergeCustomersResultResolvers = {
  __resolveType: (outcome) => (outcome.kind === 'merged' ? 'CustomersMerged' : 'MergeRefused'),
};
