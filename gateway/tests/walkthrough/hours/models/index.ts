import type { Connection } from 'mongoose';
import { registerStoreHoursModel, type StoreHoursModel } from './store-hours.model.js';

export interface StoreHoursModels {
  readonly storeHours: StoreHoursModel;
}

export function createStoreHoursModels(connection: Connection): StoreHoursModels {
  return { storeHours: registerStoreHoursModel(connection) };
}
