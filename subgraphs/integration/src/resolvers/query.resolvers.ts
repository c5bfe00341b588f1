import type { QueryResolvers } from '../__generated__/resolvers-types.js';

export const Query: QueryResolvers = {
  inboundMessages: (_parent, { status, first }, { inbox }) => inbox.list(status, first),
  inboundMessage: (_parent, { id }, { inbox }) => inbox.read(id),
  eventSubscriptions: (_parent, _args, { subscribers }) => subscribers.list(),
  eventDeliveries: (_parent, { subscriptionId, status, first }, { subscribers }) => subscribers.deliveries(subscriptionId, status, first),
  settlementReports: (_parent, { first }, { settlements }) => settlements.reports(first),
  settlementExceptions: (_parent, { status, first }, { settlements }) => settlements.exceptions(status ?? 'OPEN', first),
  integrationMappings: (_parent, { kind, system, first }, { mappings }) => mappings.list(kind, system, first),
};
