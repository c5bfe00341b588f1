import { isDuplicateKey } from '@mesh/events';
import type { LedgerModels } from '../models/index.js';

/** How deep merge chains are followed (a merged into b, b into c...). */
export const MAX_MERGE_DEPTH = 16;

/**
 * Records that `mergedId` now belongs to `survivorId`, once: its journal entries count towards the
 * survivor's lifetime value from now on. Throws a RangeError (the event is dead-lettered) for a
 * self-merge, or when the merged id was already merged into a different survivor.
 */
export async function recordCustomerMerge(models: LedgerModels, merge: { survivorId: string; mergedId: string; mergedAt: Date }): Promise<void> {
  if (merge.survivorId === merge.mergedId) throw new RangeError(`customer ${merge.mergedId} cannot be merged into itself`);
  if (await mergedInto(models, merge.survivorId, merge.mergedId)) throw new RangeError(`merging ${merge.mergedId} into ${merge.survivorId} would make a cycle`);
  try {
    await models.customerAliases.create({ _id: merge.mergedId, survivorId: merge.survivorId, mergedAt: merge.mergedAt });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const existing = await models.customerAliases.findById(merge.mergedId).lean();
    if (existing?.survivorId !== merge.survivorId)
      throw new RangeError(`customer ${merge.mergedId} was already merged into ${existing?.survivorId}`, { cause: error });
  }
}

/** True when `customerId` (transitively) was merged into `survivorId`. */
async function mergedInto(models: LedgerModels, customerId: string, survivorId: string): Promise<boolean> {
  let current = customerId;
  for (let depth = 0; depth < MAX_MERGE_DEPTH; depth++) {
    const alias = await models.customerAliases.findById(current, { survivorId: 1 }).lean();
    if (!alias) return false;
    if (alias.survivorId === survivorId) return true;
    current = alias.survivorId;
  }
  return false;
}

/**
 * For each survivor id, itself and every id merged into it (transitively), one query per level:
 * the ids whose journal entries make up the survivor's lifetime value.
 */
export async function customerIdsWithAliases(models: LedgerModels, survivorIds: readonly string[]): Promise<Map<string, string[]>> {
  const children = new Map<string, string[]>();
  const fetched = new Set<string>();
  let frontier = [...new Set(survivorIds)];
  for (let depth = 0; depth < MAX_MERGE_DEPTH && frontier.length > 0; depth++) {
    frontier.forEach((id) => fetched.add(id));
    const aliases = await models.customerAliases.find({ survivorId: { $in: frontier } }, { survivorId: 1 }).lean<{ _id: string; survivorId: string }[]>();
    for (const alias of aliases) children.set(alias.survivorId, [...(children.get(alias.survivorId) ?? []), alias._id]);
    frontier = [...new Set(aliases.map((alias) => alias._id))].filter((id) => !fetched.has(id));
  }
  return new Map(
    survivorIds.map((root) => {
      const members = [root];
      for (let index = 0; index < members.length && members.length <= MAX_MERGE_DEPTH * 64; index++) {
        for (const child of children.get(members[index]!) ?? []) if (!members.includes(child)) members.push(child);
      }
      return [root, members];
    }),
  );
}
