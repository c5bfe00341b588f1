import { identifier, notFound } from '@mesh/server-kit';
import { requireCapability } from '../access.js';
import type { InventoryModels } from '../models/index.js';
import type { MovementRecord } from '../models/stock-movement.model.js';
import type { TransferRecord, TransferStatus } from '../models/transfer.model.js';
import type { Caller } from './record-movement.service.js';
import { settleMovement } from './settle-movement.service.js';
import { transferMovement } from './transfer-stock.service.js';

export interface TransferReceivedOutcome {
  readonly kind: 'received';
  readonly transfer: TransferRecord;
  readonly movement: MovementRecord;
  readonly replayed: boolean;
}

/** It is not in transit (refused, or received with another key): nothing changed. */
export interface TransferNotReceivableOutcome {
  readonly kind: 'not-receivable';
  readonly transferId: string;
  readonly status: TransferStatus;
}

export type ReceiveTransferOutcome = TransferReceivedOutcome | TransferNotReceivableOutcome;

/**
 * Receives a transfer at its destination: a TRANSFER_IN movement (inTransit drops, on hand
 * rises). Needs stock:write; an unknown transfer is NOT_FOUND. Claimed by one atomic
 * IN_TRANSIT -> RECEIVING step under the idempotency key, so it is received once; the same key
 * again returns the first result, another key gets TransferNotReceivable.
 */
export async function receiveTransfer(
  models: InventoryModels,
  caller: Caller,
  args: { transferId: string; idempotencyKey: string },
): Promise<ReceiveTransferOutcome> {
  requireCapability(caller.principal, 'stock:write');
  const transferId = identifier(args.transferId, 'transferId');
  const key = identifier(args.idempotencyKey, 'idempotencyKey');
  const claimed = await models.transfers
    .findOneAndUpdate({ _id: transferId, status: 'IN_TRANSIT' }, { $set: { status: 'RECEIVING', receiveKey: key } }, { returnDocument: 'after' })
    .lean<TransferRecord>();
  let transfer = claimed;
  if (!transfer) {
    const stored = await models.transfers.findById(transferId).lean<TransferRecord>();
    if (!stored) throw notFound(`No transfer ${transferId}`, { argument: 'transferId' });
    if (stored.receiveKey !== key || (stored.status !== 'RECEIVING' && stored.status !== 'RECEIVED')) {
      return { kind: 'not-receivable', transferId, status: stored.status };
    }
    transfer = stored;
  }
  const movement = await settleMovement(models, await transferMovement(models, transfer, 'TRANSFER_IN'));
  if (movement.status !== 'APPLIED') throw new Error(`transfer ${transferId}: its TRANSFER_IN was not applied`);
  await models.transfers.updateOne(
    { _id: transferId, status: 'RECEIVING' },
    { $set: { status: 'RECEIVED', inMovementId: movement._id, receivedAt: new Date() } },
  );
  const received = await models.transfers.findById(transferId).lean<TransferRecord>();
  if (!received) throw new Error(`transfer ${transferId} disappeared`);
  return { kind: 'received', transfer: received, movement, replayed: claimed === null };
}
