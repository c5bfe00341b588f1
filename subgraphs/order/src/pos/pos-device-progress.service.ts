import { isDuplicateKey } from '@mesh/events';
import type { OrderModels } from '../models/index.js';
import type { PosDeviceRecord } from '../models/pos-device.model.js';

/** What the store has received from one till: see PosDeviceProgress in the schema. */
export interface PosDeviceProgress {
  readonly deviceId: string;
  readonly highestContiguousSequence: number;
  readonly highestSequence: number;
  readonly missingSequences: number[];
}

/** Most missing sequence numbers reported per device. */
export const MAX_MISSING_REPORTED = 1000;
const MAX_ATTEMPTS = 50;

/**
 * Adds `sequences` to what the store has received from the device and returns the device's
 * progress. One guarded single-document update (compare-and-set on the document's version), retried
 * when a concurrent upload for the same device changed it first; adding a sequence twice changes
 * nothing.
 */
export async function recordPosSequences(models: OrderModels, storeId: string, deviceId: string, sequences: readonly number[]): Promise<PosDeviceProgress> {
  const _id = `${storeId}:${deviceId}`;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await models.posDevices.findById(_id).lean<PosDeviceRecord>();
    const next = advance(current?.contiguous ?? 0, current?.ahead ?? [], sequences);
    if (!current) {
      try {
        await models.posDevices.create({ _id, storeId, deviceId, ...next, version: 0, updatedAt: new Date() });
        return progressOf(deviceId, next.contiguous, next.ahead);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        continue;
      }
    }
    if (next.contiguous === current.contiguous && next.ahead.length === current.ahead.length) return progressOf(deviceId, current.contiguous, current.ahead);
    const updated = await models.posDevices.updateOne({ _id, version: current.version }, { $set: { ...next, updatedAt: new Date() }, $inc: { version: 1 } });
    if (updated.modifiedCount === 1) return progressOf(deviceId, next.contiguous, next.ahead);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
  }
  throw new Error(`POS device ${_id} kept changing while its sequences were recorded`);
}

/** The new (contiguous, ahead) once `sequences` are received as well. */
function advance(contiguous: number, ahead: readonly number[], sequences: readonly number[]): { contiguous: number; ahead: number[] } {
  const pending = new Set(ahead);
  for (const sequence of sequences) if (sequence > contiguous) pending.add(sequence);
  let top = contiguous;
  while (pending.delete(top + 1)) top += 1;
  return { contiguous: top, ahead: [...pending].sort((a, b) => a - b) };
}

function progressOf(deviceId: string, contiguous: number, ahead: readonly number[]): PosDeviceProgress {
  const highest = ahead.length > 0 ? ahead[ahead.length - 1]! : contiguous;
  const received = new Set(ahead);
  const missing: number[] = [];
  for (let sequence = contiguous + 1; sequence < highest && missing.length < MAX_MISSING_REPORTED; sequence++) {
    if (!received.has(sequence)) missing.push(sequence);
  }
  return { deviceId, highestContiguousSequence: contiguous, highestSequence: highest, missingSequences: missing };
}
