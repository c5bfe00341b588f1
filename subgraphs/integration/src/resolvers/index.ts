import { DateTimeScalar, LongScalar, moneyResolvers } from '@mesh/server-kit';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { EventDelivery, EventSubscription } from './event-subscription.resolvers.js';
import { InboundMessage } from './inbound-message.resolvers.js';
import { Mutation } from './mutation.resolvers.js';
import { Query } from './query.resolvers.js';
import { SettlementException, SettlementReport } from './settlement.resolvers.js';

export const resolvers: Resolvers = {
  Query,
  Mutation,
  InboundMessage,
  EventSubscription,
  EventDelivery,
  SettlementReport,
  SettlementException,
  Money: moneyResolvers,
  Long: LongScalar,
  DateTime: DateTimeScalar,
};
