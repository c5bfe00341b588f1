import { DateTimeScalar } from '@mesh/server-kit';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { LiveKpis } from './live-kpis.resolvers.js';
import { Location } from './location.resolvers.js';
import { Mutation, ReceiveTransferResult, RecordStockMovementResult, TransferStockResult } from './mutation.resolvers.js';
import { Query } from './query.resolvers.js';
import { AvailabilityUpdate, Subscription } from './subscription.resolvers.js';
import { Trace } from './trace.resolvers.js';
import { Availability, ProductVariant, StockLevel, StockMovement } from './stock.resolvers.js';
import { Transfer } from './transfer.resolvers.js';

export const resolvers: Resolvers = {
  Trace,
  LiveKpis,
  Query,
  Mutation,
  Subscription,
  AvailabilityUpdate,
  RecordStockMovementResult,
  TransferStockResult,
  ReceiveTransferResult,
  Transfer,
  Location,
  ProductVariant,
  Availability,
  StockLevel,
  StockMovement,
  DateTime: DateTimeScalar,
};
