import { can, forbidden, unauthenticated, type Principal } from '@mesh/server-kit';

function requireSignedIn(principal: Principal): void {
  if (principal.role === 'anonymous') throw unauthenticated();
}

/** Reading the inbox, exceptions and mappings: whoever may read the event trail (analysts, admins). */
export function assertMayReadIntegrations(principal: Principal): void {
  requireSignedIn(principal);
  if (!can(principal, 'events:read')) throw forbidden('Your role may not read integration messages');
}

/** Setting mappings and replaying exceptions: admins. */
export function assertMayManageIntegrations(principal: Principal): void {
  requireSignedIn(principal);
  if (!can(principal, 'integrations:manage')) throw forbidden('Only admins may manage integrations');
}
