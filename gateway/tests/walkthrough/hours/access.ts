import { can, forbidden, unauthenticated, type Principal } from '@mesh/server-kit';

/**
 * Throws UNAUTHENTICATED / FORBIDDEN unless the caller may set `storeId`'s hours: whoever may sync
 * a store's point of sale (roles.ts), an associate only for the store their token names.
 */
export function requireHoursEditor(principal: Principal, storeId: string): void {
  if (principal.role === 'anonymous') throw unauthenticated('Sign in to set store hours');
  if (!can(principal, 'pos:sync')) throw forbidden('Only associates and admins may set store hours');
  if (principal.storeId !== undefined && principal.storeId !== storeId) throw forbidden(`Associates of ${principal.storeId} may set only that store's hours`);
}
