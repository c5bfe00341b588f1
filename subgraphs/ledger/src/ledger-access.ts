import { can, forbidden, isSelf, unauthenticated, type Principal } from '@mesh/server-kit';

/**
 * Accounts, the journal and the trial balance need `ledger:read`: anonymous callers get
 * UNAUTHENTICATED, known callers without it FORBIDDEN. The rules live in server-kit's roles.ts.
 */
export function requireLedgerRead(principal: Principal): void {
  if (can(principal, 'ledger:read')) return;
  if (principal.role === 'anonymous') throw unauthenticated('Sign in to read the ledger');
  throw forbidden('Your role may not read the ledger');
}

/** A customer's lifetime value is visible to that customer and to roles that may read any customer. */
export function requireCustomerValueRead(principal: Principal, customerId: string): void {
  if (isSelf(principal, customerId) || can(principal, 'customers:read-any')) return;
  if (principal.role === 'anonymous') throw unauthenticated('Sign in to see customer data');
  throw forbidden('You may only see your own lifetime value');
}

/**
 * Replaying a dead letter changes the books, so it is for admins only. roles.ts has no capability
 * for it yet: only admin holds both `ledger:read` and a write capability (`stock:write`), which is
 * what this checks. Replace with a dedicated capability (for example `events:replay`) once roles.ts has one.
 */
export function requireDeadLetterReplay(principal: Principal): void {
  if (can(principal, 'ledger:read') && can(principal, 'stock:write')) return;
  if (principal.role === 'anonymous') throw unauthenticated('Sign in to replay events');
  throw forbidden('Only an admin may replay dead-lettered events');
}
