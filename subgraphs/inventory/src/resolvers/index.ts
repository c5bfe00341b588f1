import { DateTimeScalar } from '@mesh/server-kit';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Location } from './location.resolvers.js';
import { Mutation, RecordStockMovementResult } from './mutation.resolvers.js';
import { Query } from './query.resolvers.js';
import { Availability, ProductVariant, StockLevel, StockMovement } from './stock.resolvers.js';

export const resolvers: Resolvers = {
  Query,
  Mutation,
  RecordStockMovementResult,
  Location,
  ProductVariant,
  Availability,
  StockLevel,
  StockMovement,
  DateTime: DateTimeScalar,
};
