import type { MutationResolvers } from '../__generated__/resolvers-types.js';

export const Mutation: MutationResolvers = {
  setIntegrationMapping: (_parent, { input }, { mappings }) => mappings.set(input),
  replayInboundMessage: (_parent, { id }, { inbox }) => inbox.replay(id),
  registerEventSubscription: (_parent, { input }, { subscribers }) => subscribers.register(input),
  setEventSubscriptionActive: (_parent, { id, active }, { subscribers }) => subscribers.setActive(id, active),
  importSettlementReport: (_parent, { input }, { settlements }) => settlements.import(input),
  resolveSettlementException: (_parent, { id, resolution }, { settlements }) => settlements.resolve(id, resolution),
  resendEventDelivery: (_parent, { id }, { subscribers }) => subscribers.resend(id),
  replayDeadDeliveries: (_parent, { subscriptionId }, { subscribers }) => subscribers.replayDead(subscriptionId),
};
