import type { QueryFilter } from 'mongoose';
import { badUserInput, decodeCursor, identifier, pageSize, toConnection, type Connection, type Principal } from '@mesh/server-kit';
import { requireCapability } from '../access.js';
import type { InventoryModels } from '../models/index.js';
import type { MovementRecord } from '../models/stock-movement.model.js';

export type MovementPage = Connection<MovementRecord>;

/**
 * The applied movement log, newest first, optionally for one SKU and/or location. Needs
 * stock:read-movements. Rejected and still-pending attempts are not movements and are not listed.
 */
export async function listMovements(
  models: InventoryModels,
  principal: Principal,
  args: { sku?: string | null; locationId?: string | null; first?: number | null; after?: string | null },
): Promise<MovementPage> {
  requireCapability(principal, 'stock:read-movements');
  const first = pageSize(args.first);
  const conditions: QueryFilter<MovementRecord>[] = [{ status: 'APPLIED' }];
  if (args.sku != null) conditions.push({ sku: identifier(args.sku, 'sku') });
  if (args.locationId != null) conditions.push({ locationId: identifier(args.locationId, 'locationId') });
  const after = parseCursor(args.after);
  if (after) {
    conditions.push({ $or: [{ occurredAt: { $lt: after.occurredAt } }, { occurredAt: after.occurredAt, _id: { $lt: after.id } }] });
  }
  const rows = await models.movements
    .find({ $and: conditions })
    .sort({ occurredAt: -1, _id: -1 })
    .limit(first + 1)
    .lean<MovementRecord[]>();
  return toConnection(rows, first, (row) => `${row.occurredAt.toISOString()}|${row._id}`);
}

function parseCursor(cursor: string | null | undefined): { occurredAt: Date; id: string } | undefined {
  const decoded = decodeCursor(cursor);
  if (decoded === undefined) return undefined;
  const separator = decoded.indexOf('|');
  const occurredAt = new Date(decoded.slice(0, separator));
  const id = decoded.slice(separator + 1);
  if (separator < 1 || Number.isNaN(occurredAt.getTime()) || id.length === 0) {
    throw badUserInput('after is not a valid cursor', { argument: 'after' });
  }
  return { occurredAt, id };
}
