/**
 * Who may read which customer. Built on the mesh rules in server-kit's roles.ts (`can`, `isSelf`);
 * what the caller then sees of a record is pii-masking.ts's business.
 */
import { can, forbidden, isSelf, unauthenticated, type Principal } from '@mesh/server-kit';
import type { CustomerLoaders } from './loaders.js';
import type { CustomerRecord } from './models/customer.model.js';
import { presentCustomer, seesPii, type CustomerView } from './pii-masking.js';

/** Throws UNAUTHENTICATED for a caller who has not signed in. */
export function requireSignedIn(principal: Principal): void {
  // roles.ts has no capability every signed-in role holds, so "signed in" is the one role test here.
  if (principal.role === 'anonymous') throw unauthenticated('Sign in to read customer data');
}

/** Throws UNAUTHENTICATED for anonymous callers and FORBIDDEN for callers who may read only themselves. */
export function requireReadAny(principal: Principal): void {
  requireSignedIn(principal);
  if (!can(principal, 'customers:read-any')) throw forbidden('Only staff may list or look up customers');
}

/**
 * The id of the record the caller is, with merges followed, so a token issued for a merged-away id
 * still means the survivor. Undefined for callers who are not a customer. Loads through the batched
 * loader, so it costs nothing extra when requested alongside other ids.
 */
export async function ownCustomerId(principal: Principal, loaders: CustomerLoaders): Promise<string | undefined> {
  if (principal.customerId === undefined) return undefined;
  return (await loaders.customerById.load(principal.customerId))?._id;
}

/**
 * What the caller may see of a loaded record (null stays null for staff). A customer reading a
 * record that is not their own, or that does not exist, gets FORBIDDEN, so ids cannot be probed.
 */
export function authorizeView(principal: Principal, record: CustomerRecord | null, selfId: string | undefined): CustomerView | null {
  const self = record !== null && isSelf({ ...principal, customerId: selfId }, record._id);
  if (!self && !can(principal, 'customers:read-any')) throw forbidden('Customers may read only their own record');
  return record && presentCustomer(record, seesPii(principal, self));
}

/**
 * Throws UNAUTHENTICATED / FORBIDDEN unless the caller may merge customer records: merging needs
 * reading any customer and their personal data (the identities that prove two records are one
 * shopper), which roles.ts grants to associates and admins.
 */
export function requireMergeRight(principal: Principal): void {
  requireSignedIn(principal);
  if (!can(principal, 'customers:read-any') || !can(principal, 'pii:read')) throw forbidden('Only associates and admins may merge customers');
}
