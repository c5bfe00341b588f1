import { identifier, notFound, pageSize, type Principal } from '@mesh/server-kit';
import { notReplayable } from '../errors.js';
import type { IntegrationModels } from '../models/index.js';
import type { InboundMessageRecord, InboundStatus } from '../models/inbound-message.model.js';
import { assertMayManageIntegrations, assertMayReadIntegrations } from '../access.js';

/** Messages in one status (all when null), newest first, at most `first` (default 20, at most 100). */
export async function listInboundMessages(
  models: IntegrationModels,
  principal: Principal,
  status: InboundStatus | null | undefined,
  first: number | null | undefined,
): Promise<InboundMessageRecord[]> {
  assertMayReadIntegrations(principal);
  const filter = status ? { status } : {};
  return models.inboundMessages.find(filter).sort({ receivedAt: -1 }).limit(pageSize(first)).lean<InboundMessageRecord[]>();
}

export async function readInboundMessage(models: IntegrationModels, principal: Principal, id: string): Promise<InboundMessageRecord | null> {
  assertMayReadIntegrations(principal);
  return models.inboundMessages.findById(id).lean<InboundMessageRecord>();
}

/**
 * Sends an EXCEPTION message through the worker again (after its mapping or order was fixed): one
 * guarded update back to RECEIVED, due now. Its command keys are Shopify's, so a replay never
 * duplicates what an earlier attempt did. NOT_REPLAYABLE for any other status. Admins.
 */
export async function replayInboundMessage(models: IntegrationModels, principal: Principal, rawId: string, wake: () => void): Promise<InboundMessageRecord> {
  assertMayManageIntegrations(principal);
  const id = identifier(rawId, 'id');
  const replayed = await models.inboundMessages
    .findOneAndUpdate(
      { _id: id, status: 'EXCEPTION' },
      { $set: { status: 'RECEIVED', nextAttemptAt: new Date() }, $unset: { exception: 1 } },
      { returnDocument: 'after' },
    )
    .lean<InboundMessageRecord>();
  if (replayed) {
    wake();
    return replayed;
  }
  const current = await models.inboundMessages.findById(id, { status: 1 }).lean<Pick<InboundMessageRecord, 'status'>>();
  if (!current) throw notFound(`There is no inbound message ${id}`);
  throw notReplayable(id, current.status);
}
