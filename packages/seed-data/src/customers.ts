import { type SeededRandom, pad } from './random.js';
import type { Region, SeedCustomer, SeedIdentity } from './types.js';

const FIRST = [
  'Ava',
  'Liam',
  'Mia',
  'Noah',
  'Emma',
  'Lucas',
  'Sofia',
  'Elias',
  'Chloe',
  'Mateo',
  'Hannah',
  'Leon',
  'Amara',
  'Jonas',
  'Priya',
  'Kenji',
  'Zoe',
  'Omar',
  'Ines',
  'Felix',
];
const LAST = [
  'Garcia',
  'Müller',
  'Smith',
  'Rossi',
  'Dubois',
  'Jansen',
  'Kowalski',
  'Nguyen',
  'Okafor',
  'Schmidt',
  'Martin',
  'Silva',
  'Berg',
  'Novak',
  'Haddad',
  'Kim',
];
const REGIONS: Region[] = ['US-EAST', 'US-WEST', 'EU-CENTRAL', 'EU-WEST'];

export const CUSTOMER_COUNT = 2000;
/** Pairs of records that are the same shopper (same email) seen through two channels: candidates for merge. */
export const DUPLICATE_PAIRS = 60;

/**
 * Customers with identities from several channels. The last DUPLICATE_PAIRS records are a
 * loyalty-card sign-up at a store by a shopper who already has a web account (same email).
 */
export function generateCustomers(random: SeededRandom, epoch: Date): SeedCustomer[] {
  const customers: SeedCustomer[] = [];
  const uniqueCount = CUSTOMER_COUNT - DUPLICATE_PAIRS;
  for (let index = 1; index <= uniqueCount; index++) {
    const first = random.pick(FIRST);
    const last = random.pick(LAST);
    const region = random.pick(REGIONS);
    const email = `${first}.${last}.${index}@example.com`.toLowerCase().replace('ü', 'ue');
    const phone = region.startsWith('US') ? `+1555${pad(index, 7)}` : `+49155${pad(index, 7)}`;
    const identities: SeedIdentity[] = [{ kind: 'EMAIL', value: email }];
    if (random.next() < 0.7) identities.push({ kind: 'WEB_ACCOUNT', value: `web_${pad(index, 6)}` });
    if (random.next() < 0.5) identities.push({ kind: 'LOYALTY_CARD', value: `LC${pad(index * 7919, 10)}` });
    if (random.next() < 0.15) identities.push({ kind: 'MARKETPLACE_BUYER', value: `mkt_${pad(index * 31, 8)}` });
    if (random.next() < 0.4) identities.push({ kind: 'PHONE', value: phone });
    customers.push({
      id: `cus_${pad(index, 5)}`,
      name: `${first} ${last}`,
      email,
      phone,
      loyaltyTier: random.weighted([
        ['NONE', 50],
        ['SILVER', 30],
        ['GOLD', 15],
        ['PLATINUM', 5],
      ] as const),
      region,
      identities,
      createdAt: new Date(epoch.getTime() - random.int(30, 1500) * 86_400_000),
    });
  }
  for (let pair = 0; pair < DUPLICATE_PAIRS; pair++) {
    const original = customers[pair * 29];
    if (!original) throw new Error('not enough customers to duplicate');
    const index = uniqueCount + pair + 1;
    customers.push({
      id: `cus_${pad(index, 5)}`,
      name: original.name,
      email: original.email,
      phone: `+1555${pad(index, 7)}`,
      loyaltyTier: 'NONE',
      region: original.region,
      identities: [
        { kind: 'LOYALTY_CARD', value: `LC${pad(index * 7919, 10)}` },
        { kind: 'EMAIL', value: original.email },
      ],
      createdAt: new Date(epoch.getTime() - random.int(1, 29) * 86_400_000),
    });
  }
  return customers;
}
