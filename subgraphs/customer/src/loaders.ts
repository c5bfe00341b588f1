import DataLoader from 'dataloader';
import { loaderOptions } from '@mesh/server-kit';
import type { CustomerModels } from './models/index.js';
import type { CustomerRecord, IdentityKind } from './models/customer.model.js';

/** How many merges one id may be followed through (A into B into C...) before the chain is treated as corrupt. */
export const MAX_MERGE_HOPS = 4;

/** A channel identity as a lookup key; the value is already normalised. */
export interface IdentityKey {
  readonly kind: IdentityKind;
  readonly value: string;
}

/** Per-request loaders: every entity and list field of this subgraph reads through these. */
export interface CustomerLoaders {
  /**
   * A customer by id, following `mergedInto` to the surviving record, so a merged-away id loads
   * its survivor. One query per merge hop for the whole batch (usually just one); null for an
   * unknown id; an Error for a broken or cyclic merge chain.
   */
  readonly customerById: DataLoader<string, CustomerRecord | null>;
  /** The oldest live record holding the identity (a merged-away holder resolves to its survivor), or null. */
  readonly customerByIdentity: DataLoader<IdentityKey, CustomerRecord | null, string>;
}

export function createCustomerLoaders(models: CustomerModels): CustomerLoaders {
  const customerById = new DataLoader<string, CustomerRecord | null>(async (ids) => {
    const byId = new Map<string, CustomerRecord>();
    let wanted: string[] = [...ids];
    for (let hop = 0; hop <= MAX_MERGE_HOPS && wanted.length > 0; hop++) {
      const rows = await models.customers.find({ _id: { $in: wanted } }).lean<CustomerRecord[]>();
      for (const row of rows) byId.set(row._id, row);
      wanted = [...new Set(rows.flatMap((row) => (row.mergedInto && !byId.has(row.mergedInto) ? [row.mergedInto] : [])))];
    }
    return ids.map((id) => followMerges(byId, id));
  }, loaderOptions());

  const customerByIdentity = new DataLoader<IdentityKey, CustomerRecord | null, string>(
    async (keys) => {
      const rows = await models.customers
        .find({ $or: keys.map(({ kind, value }) => ({ identities: { $elemMatch: { kind, value } } })) })
        .sort({ createdAt: 1, _id: 1 })
        .lean<CustomerRecord[]>();
      const holders = keys.map(({ kind, value }) =>
        rows.filter((row) => row.identities.some((identity) => identity.kind === kind && identity.value === value)),
      );
      return Promise.all(
        holders.map(async (candidates) => {
          const live = candidates.find((row) => !row.mergedInto);
          if (live) return live;
          // Only merged-away records hold it (the merge did not copy the identity): answer with their survivor.
          const merged = candidates[0];
          return merged ? customerById.load(merged._id) : null;
        }),
      );
    },
    { ...loaderOptions(), cacheKeyFn: ({ kind, value }) => `${kind}\u0000${value}` },
  );

  return { customerById, customerByIdentity };
}

function followMerges(byId: ReadonlyMap<string, CustomerRecord>, id: string): CustomerRecord | null | Error {
  let current = byId.get(id);
  const seen = new Set<string>();
  while (current?.mergedInto) {
    if (seen.has(current._id) || seen.size >= MAX_MERGE_HOPS)
      return new Error(`customer ${id} has a merge chain that is cyclic or longer than ${MAX_MERGE_HOPS} hops`);
    seen.add(current._id);
    const survivor = byId.get(current.mergedInto);
    if (!survivor) return new Error(`customer ${current._id} was merged into missing customer ${current.mergedInto}`);
    current = survivor;
  }
  return current ?? null;
}
