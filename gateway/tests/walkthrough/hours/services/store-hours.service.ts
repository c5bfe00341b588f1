import type { Principal } from '@mesh/server-kit';
import { requireHoursEditor } from '../access.js';
import { invalidHours } from '../errors.js';
import type { StoreHoursModels } from '../models/index.js';
import type { StoreHoursRecord } from '../models/store-hours.model.js';

export interface SetStoreHoursInput {
  readonly storeId: string;
  readonly opensAt: string;
  readonly closesAt: string;
  readonly closedUntil?: string | null;
}

const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;

export function readStoreHours(models: StoreHoursModels, storeId: string): Promise<StoreHoursRecord | null> {
  return models.storeHours.findById(storeId).lean<StoreHoursRecord>().exec();
}

/** Checks access, then the hours, then writes: a refused caller changes nothing. */
export async function setStoreHours(models: StoreHoursModels, principal: Principal, input: SetStoreHoursInput): Promise<StoreHoursRecord> {
  requireHoursEditor(principal, input.storeId);
  const { storeId, opensAt, closesAt } = input;
  const closedUntil = input.closedUntil ? new Date(input.closedUntil) : null;
  if (!TIME_OF_DAY.test(opensAt) || !TIME_OF_DAY.test(closesAt) || opensAt >= closesAt || Number.isNaN(closedUntil?.getTime()))
    throw invalidHours(opensAt, closesAt);
  const update = { opensAt, closesAt, updatedBy: principal.subject ?? principal.role, ...(closedUntil ? { closedUntil } : {}) };
  const saved = await models.storeHours
    .findOneAndUpdate({ _id: storeId }, { $set: update, ...(closedUntil ? {} : { $unset: { closedUntil: 1 } }) }, { upsert: true, returnDocument: 'after' })
    .lean<StoreHoursRecord>()
    .exec();
  if (!saved) throw new Error(`store hours of ${storeId} were not saved`);
  return saved;
}
