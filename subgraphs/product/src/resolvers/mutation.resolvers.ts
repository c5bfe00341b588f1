import type { MutationResolvers } from '../__generated__/resolvers-types.js';

export const Mutation: MutationResolvers = {
  schedulePrice: async (_parent, { input }, { pricing }) => {
    const { list, period } = await pricing.schedulePrice(input);
    return { ...period, currency: list.currency };
  },
  createPromotion: (_parent, { input }, { pricing }) => pricing.createPromotion(input),
  redeemCoupons: (_parent, { input }, { pricing }) => pricing.redeemCoupons(input),
  releaseCoupons: (_parent, { key, codes }, { pricing }) => pricing.releaseCoupons(key, codes),
};
