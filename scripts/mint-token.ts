/**
 * Mints a development bearer token for a role, signed with the gateway's dev secret.
 *   npm run token -- admin
 *   npm run token -- customer --customer cus_00001
 *   npm run token -- associate --store loc_nyc01
 * Production verifies tokens against AUTH_JWKS_URL instead; these tokens are refused there.
 */
import { signDevToken } from '@mesh/gateway';
import { ROLES, isRole } from '@mesh/server-kit';

const [role, ...rest] = process.argv.slice(2);
if (!isRole(role)) {
  console.error(`usage: npm run token -- <${ROLES.join('|')}> [--customer <id>] [--store <locationId>] [--hours <n>]`);
  process.exit(2);
}
const option = (name: string) => {
  const index = rest.indexOf(`--${name}`);
  return index >= 0 ? rest[index + 1] : undefined;
};
const customerId = role === 'customer' ? (option('customer') ?? 'cus_00001') : undefined;
const storeId = option('store');

const token = await signDevToken(
  { role, ...(customerId ? { customerId, subject: `user-${customerId}` } : {}), ...(storeId ? { storeId } : {}) },
  {
    expiresIn: `${Number(option('hours') ?? 12)}h`,
    ...(process.env['AUTH_DEV_SECRET'] ? { secret: process.env['AUTH_DEV_SECRET'] } : {}),
  },
);
console.log(token);
