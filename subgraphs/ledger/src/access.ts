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

/** Replaying a dead letter changes state downstream (the books, stock), so it needs `events:replay`. */
export function requireDeadLetterReplay(principal: Principal): void {
  if (can(principal, 'events:replay')) return;
  if (principal.role === 'anonymous') throw unauthenticated('Sign in to replay events');
  throw forbidden('Your role may not replay dead-lettered events');
}

/** Traces and dead letters need `events:read` (analysts, admins); the rule is shared with the subgraphs that add trace steps. */
export { requireEventsRead } from '@mesh/server-kit';

/** Closing a business day freezes the books for it, so it needs `ledger:close` (admins). */
export function requireLedgerClose(principal: Principal): void {
  if (can(principal, 'ledger:close')) return;
  if (principal.role === 'anonymous') throw unauthenticated('Sign in to close the books');
  throw forbidden('Your role may not close business days');
}

/** Posting a payment provider's settlement (fees, payout) needs `ledger:settle` (admins, the integration service). */
export function requireLedgerSettle(principal: Principal): void {
  if (can(principal, 'ledger:settle')) return;
  if (principal.role === 'anonymous') throw unauthenticated('Sign in to post settlements');
  throw forbidden('Your role may not post settlements');
}
