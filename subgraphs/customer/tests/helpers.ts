import type { TestSubgraph } from '@mesh/test-kit';

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

/** Database commands the subgraph has sent so far (getMore excluded: it depends on cursor batch sizes). */
export async function dbCommands(target: TestSubgraph): Promise<number> {
  const text = await (await fetch(target.url.replace('/graphql', '/metrics'))).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('mesh_db_commands_total{') && !line.includes('command="getMore"'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** `_entities` representations for customers cus_00001 .. cus_<count>. */
export function customerReferences(count: number, offset = 0): { __typename: 'Customer'; id: string }[] {
  return Array.from({ length: count }, (_, i) => ({ __typename: 'Customer', id: `cus_${String(offset + i + 1).padStart(5, '0')}` }));
}
