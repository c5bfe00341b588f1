import type { Connection, Model } from 'mongoose';
import { createProcessedEventModel, type ProcessedEventRecord } from '@mesh/events';
import { registerCustomerAliasModel, type CustomerAliasModel } from './customer-alias.model.js';
import { registerOrderModel, type OrderModel } from './order.model.js';
import { registerPosDeviceModel, type PosDeviceModel } from './pos-device.model.js';

/** The order subgraph's collections. */
export interface OrderModels {
  readonly orders: OrderModel;
  /** Merged-away customer ids and their survivors (from customer.customers-merged). */
  readonly customerAliases: CustomerAliasModel;
  /** Per (store, till): which POS sequence numbers have been received (see Mutation.syncPosTransactions). */
  readonly posDevices: PosDeviceModel;
  /** The events each of this subgraph's consumers has completed (the idempotent-consumer store). */
  readonly processedEvents: Model<ProcessedEventRecord>;
}

export function createOrderModels(connection: Connection): OrderModels {
  return {
    orders: registerOrderModel(connection),
    customerAliases: registerCustomerAliasModel(connection),
    posDevices: registerPosDeviceModel(connection),
    processedEvents: createProcessedEventModel(connection),
  };
}
