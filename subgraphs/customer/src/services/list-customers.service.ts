import type { QueryFilter } from 'mongoose';
import { boundedText, decodeCursor, escapeRegExp, pageSize, toConnection, type Connection, type Principal } from '@mesh/server-kit';
import { requireReadAny } from '../access.js';
import type { CustomerLoaders } from '../loaders.js';
import type { CustomerModels } from '../models/index.js';
import type { CustomerRecord } from '../models/customer.model.js';
import { mayMatchOnPii, presentCustomer, seesPii, type CustomerView } from '../pii-masking.js';

/** Longest accepted search text. */
export const MAX_SEARCH_LENGTH = 100;

export interface CustomerPage extends Connection<CustomerView> {
  /** Counted only when the client asks for totalCount. */
  readonly totalCount: () => Promise<number>;
}

/**
 * Live (not merged-away) customers in id order, for staff. The search text is bounded and matched
 * literally: the start of any word of the name, or the start of the email when the caller may
 * read personal data. Throws UNAUTHENTICATED / FORBIDDEN / BAD_USER_INPUT.
 */
export async function listCustomers(
  principal: Principal,
  models: CustomerModels,
  loaders: CustomerLoaders,
  args: { search?: string | null; first?: number | null; after?: string | null },
): Promise<CustomerPage> {
  requireReadAny(principal);
  const first = pageSize(args.first);
  const after = decodeCursor(args.after);
  const search = boundedText(args.search, 'search', MAX_SEARCH_LENGTH)?.trim();
  const filter = searchFilter(search, mayMatchOnPii(principal));
  const pageFilter: QueryFilter<CustomerRecord> = after ? { $and: [filter, { _id: { $gt: after } }] } : filter;
  const rows = await models.customers
    .find(pageFilter)
    .sort({ _id: 1 })
    .limit(first + 1)
    .lean<CustomerRecord[]>();
  // Entity fields resolved later in this request (e.g. through the gateway) find these in the cache.
  for (const row of rows) loaders.customerById.prime(row._id, row);
  const unmasked = seesPii(principal, false);
  return {
    ...toConnection(
      rows.map((row) => presentCustomer(row, unmasked)),
      first,
      (view) => view.id,
    ),
    totalCount: () => models.customers.countDocuments(filter).exec(),
  };
}

function searchFilter(search: string | undefined, matchEmail: boolean): QueryFilter<CustomerRecord> {
  const live: QueryFilter<CustomerRecord> = { mergedInto: null };
  if (!search) return live;
  const literal = escapeRegExp(search);
  const matches: QueryFilter<CustomerRecord>[] = [{ name: { $regex: `(^|\\s)${literal}`, $options: 'i' } }];
  if (matchEmail) matches.push({ email: { $regex: `^${literal}`, $options: 'i' } });
  return { $and: [live, { $or: matches }] };
}
