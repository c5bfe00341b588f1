import { forbidden, type Principal } from '@mesh/server-kit';
import { authorizeView, ownCustomerId, requireReadAny, requireSignedIn } from '../access.js';
import { normalizeIdentityValue } from '../identity-values.js';
import type { CustomerLoaders } from '../loaders.js';
import type { IdentityKind } from '../models/customer.model.js';
import { PII_IDENTITY_KINDS, mayMatchOnPii, presentCustomer, seesPii, type CustomerView } from '../pii-masking.js';

/**
 * One customer by id (a merged-away id yields the survivor), as the caller may see it. Serves
 * `Query.customer` and `Customer.__resolveReference` alike, so the gateway cannot reach a record
 * by entity reference that the caller could not read directly.
 */
export async function readCustomer(principal: Principal, loaders: CustomerLoaders, id: string): Promise<CustomerView | null> {
  requireSignedIn(principal);
  // Both ids go into the same loader batch: one query for any number of references.
  const [record, selfId] = await Promise.all([loaders.customerById.load(id), ownCustomerId(principal, loaders)]);
  return authorizeView(principal, record, selfId);
}

/** The signed-in customer's own record, unmasked; null for staff, who are not customers. */
export async function readMe(principal: Principal, loaders: CustomerLoaders): Promise<CustomerView | null> {
  requireSignedIn(principal);
  if (principal.customerId === undefined) return null;
  const record = await loaders.customerById.load(principal.customerId);
  return record && presentCustomer(record, true);
}

/** The oldest live customer holding a channel identity (staff only); PII kinds only for callers who may read PII. */
export async function readCustomerByIdentity(principal: Principal, loaders: CustomerLoaders, kind: IdentityKind, value: string): Promise<CustomerView | null> {
  requireReadAny(principal);
  if (PII_IDENTITY_KINDS.has(kind) && !mayMatchOnPii(principal)) throw forbidden(`Looking customers up by ${kind} needs the right to read personal data`);
  const record = await loaders.customerByIdentity.load({ kind, value: normalizeIdentityValue(kind, value) });
  return record && presentCustomer(record, seesPii(principal, false));
}
