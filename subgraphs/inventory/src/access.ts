import { can, forbidden, unauthenticated, type Capability, type Principal } from '@mesh/server-kit';

/** Throws UNAUTHENTICATED for an anonymous caller and FORBIDDEN for a known one that lacks the capability. */
export function requireCapability(principal: Principal, capability: Capability): void {
  if (can(principal, capability)) return;
  throw principal.role === 'anonymous' ? unauthenticated() : forbidden();
}
