/** Every field of Customer, for assertions on what each role sees. */
export const CUSTOMER_FIELDS = 'id name email phone loyaltyTier region createdAt piiMasked identities { kind value }';

export interface CustomerData {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  loyaltyTier: string;
  region: string;
  createdAt: string;
  piiMasked: boolean;
  identities: { kind: string; value: string }[];
}

export { dbCommands } from '@mesh/test-kit';

/** `_entities` representations for customers cus_00001 .. cus_<count>. */
export function customerReferences(count: number, offset = 0): { __typename: 'Customer'; id: string }[] {
  return Array.from({ length: count }, (_, i) => ({ __typename: 'Customer', id: `cus_${String(offset + i + 1).padStart(5, '0')}` }));
}
