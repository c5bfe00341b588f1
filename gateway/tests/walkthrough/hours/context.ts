import type { RequestContext } from '@mesh/server-kit';
import type { StoreHoursRecord } from './models/store-hours.model.js';
import type { StoreHoursRuntime } from './runtime.js';
import { readStoreHours, setStoreHours, type SetStoreHoursInput } from './services/store-hours.service.js';

/** What store-hours resolvers receive: the caller and the use cases bound to it. */
export interface StoreHoursContext extends RequestContext {
  readonly hours: {
    readonly read: (storeId: string) => Promise<StoreHoursRecord | null>;
    readonly set: (input: SetStoreHoursInput) => Promise<StoreHoursRecord>;
  };
}

export function createStoreHoursContext(base: RequestContext, { models }: StoreHoursRuntime): StoreHoursContext {
  return {
    ...base,
    hours: {
      read: (storeId) => readStoreHours(models, storeId),
      set: (input) => setStoreHours(models, base.principal, input),
    },
  };
}
