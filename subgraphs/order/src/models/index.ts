import type { Connection } from 'mongoose';
import { registerOrderModel, type OrderModel } from './order.model.js';

/** The order subgraph's collections. */
export interface OrderModels {
  readonly orders: OrderModel;
}

export function createOrderModels(connection: Connection): OrderModels {
  return { orders: registerOrderModel(connection) };
}
