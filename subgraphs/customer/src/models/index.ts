import type { Connection } from 'mongoose';
import { registerCustomerModel, type CustomerModel } from './customer.model.js';

export interface CustomerModels {
  readonly customers: CustomerModel;
}

export function createCustomerModels(connection: Connection): CustomerModels {
  return { customers: registerCustomerModel(connection) };
}
