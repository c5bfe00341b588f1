import { can, forbidden, type Principal } from '@mesh/server-kit';

/**
 * Who may do what in the product domain. The capabilities live in server-kit's roles.ts; reading
 * the catalog over HTTP is open, so only the writes, coupons and live price changes are checked here.
 */

/** Scheduling prices and creating promotions need `pricing:write` (pricing administrators). */
export function requirePricingWrite(principal: Principal, what: 'change prices' | 'create promotions'): void {
  if (!can(principal, 'pricing:write')) throw forbidden(`Only pricing administrators may ${what}`);
}

/** Redeeming and releasing coupons is for callers who may place orders for anyone (associates, the order service). */
export function requireCouponUse(principal: Principal): void {
  if (!can(principal, 'orders:place-any')) throw forbidden('Only the order service and associates may use coupons');
}

/** Watching price changes live needs `catalog:read`. */
export function requireCatalogRead(principal: Principal): void {
  if (!can(principal, 'catalog:read')) throw forbidden();
}
