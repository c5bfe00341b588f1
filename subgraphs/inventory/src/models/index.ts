import type { Connection } from 'mongoose';
import { createOutboxModel, createProcessedEventModel, type OutboxModel, type ProcessedEventRecord } from '@mesh/events';
import type { Model } from 'mongoose';
import { registerLocationModel, type LocationModel } from './location.model.js';
import { registerReservationModel, type ReservationModel } from './reservation.model.js';
import { registerSkuModel, type SkuModel } from './sku.model.js';
import { registerStockLevelModel, type StockLevelModel } from './stock-level.model.js';
import { registerStockMovementModel, type StockMovementModel } from './stock-movement.model.js';
import { registerTransferModel, type TransferModel } from './transfer.model.js';

/** The inventory database: its collections, each with its indexes. */
export interface InventoryModels {
  readonly locations: LocationModel;
  readonly skus: SkuModel;
  readonly levels: StockLevelModel;
  readonly movements: StockMovementModel;
  readonly reservations: ReservationModel;
  readonly transfers: TransferModel;
  /** The events package's outbox (the relay needs one; inventory's events ride in their documents). */
  readonly outbox: OutboxModel;
  /** Events the consumers have completed. */
  readonly processedEvents: Model<ProcessedEventRecord>;
}

export function createInventoryModels(connection: Connection): InventoryModels {
  return {
    locations: registerLocationModel(connection),
    skus: registerSkuModel(connection),
    levels: registerStockLevelModel(connection),
    movements: registerStockMovementModel(connection),
    reservations: registerReservationModel(connection),
    transfers: registerTransferModel(connection),
    outbox: createOutboxModel(connection),
    processedEvents: createProcessedEventModel(connection),
  };
}
