import type { Principal } from '@mesh/server-kit';

/** One principal per role, as the gateway would forward them. */
export const principals = {
  anonymous: { role: 'anonymous' },
  customer: (customerId: string): Principal => ({ role: 'customer', subject: `user-${customerId}`, customerId }),
  associate: { role: 'associate', subject: 'associate-1', storeId: 'loc_nyc01' },
  analyst: { role: 'analyst', subject: 'analyst-1' },
  admin: { role: 'admin', subject: 'admin-1' },
} as const satisfies Record<string, Principal | ((id: string) => Principal)>;
