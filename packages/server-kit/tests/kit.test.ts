import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLError } from 'graphql';
import { SignJWT } from 'jose';
import {
  LongScalar,
  ROLES,
  can,
  formatDecimal,
  identifier,
  isSelf,
  pageSize,
  safeKey,
  secretKey,
  signGatewayCredential,
  verifyGatewayCredential,
  InvalidGatewayCredential,
  decodeCursor,
  encodeCursor,
  loaderOptions,
} from '../src/index.js';

const secret = secretKey('a-test-secret-that-is-long-enough-0123');

test('money formats exactly beyond 2^53 and for negatives and sub-unit amounts', () => {
  assert.equal(formatDecimal(123450n, 'USD'), '1234.50');
  assert.equal(formatDecimal(5n, 'EUR'), '0.05');
  assert.equal(formatDecimal(-199n, 'USD'), '-1.99');
  assert.equal(formatDecimal(2n ** 63n - 1n, 'USD'), '92233720368547758.07');
});

test('Long serialises as a digit string and refuses what is not a 64-bit integer', () => {
  assert.equal(LongScalar.serialize(2n ** 60n), '1152921504606846976');
  assert.equal(LongScalar.parseValue('-9223372036854775808'), -(2n ** 63n));
  assert.throws(() => LongScalar.parseValue('9223372036854775808'), GraphQLError);
  assert.throws(() => LongScalar.parseValue('12.5'), GraphQLError);
  assert.throws(() => LongScalar.parseValue({ $gt: '' }), GraphQLError);
});

test('the role matrix grants what the README says and nothing more', () => {
  assert.deepEqual(
    ROLES.filter((role) => can({ role }, 'pii:read')),
    ['associate', 'admin'],
  );
  assert.deepEqual(
    ROLES.filter((role) => can({ role }, 'ledger:read')),
    ['analyst', 'admin'],
  );
  assert.deepEqual(
    ROLES.filter((role) => can({ role }, 'stock:write')),
    ['associate', 'admin'],
  );
  assert.deepEqual(
    ROLES.filter((role) => can({ role }, 'catalog:read')),
    [...ROLES],
  );
  assert.deepEqual(
    ROLES.filter((role) => can({ role }, 'pricing:write')),
    ['admin'],
  );
  assert.equal(isSelf({ role: 'customer', customerId: 'cus_1' }, 'cus_1'), true);
  assert.equal(isSelf({ role: 'admin', customerId: 'cus_1' }, 'cus_1'), false);
});

test('a gateway credential round-trips the principal and refuses tampering, other secrets and expiry', async () => {
  const token = await signGatewayCredential({ role: 'customer', subject: 'u1', customerId: 'cus_1' }, secret);
  assert.deepEqual(await verifyGatewayCredential(token, secret), { role: 'customer', subject: 'u1', customerId: 'cus_1' });
  await assert.rejects(verifyGatewayCredential(token, secretKey('another-secret-that-is-long-enough-xx')), InvalidGatewayCredential);
  const [header, payload, signature] = token.split('.');
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'admin' })).toString('base64url');
  await assert.rejects(verifyGatewayCredential(`${header}.${forged}.${signature}`, secret), InvalidGatewayCredential);
  const expired = await new SignJWT({ role: 'admin' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('mesh-gateway')
    .setAudience('mesh-subgraphs')
    .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
    .sign(secret);
  await assert.rejects(verifyGatewayCredential(expired, secret), InvalidGatewayCredential);
});

test('input guards refuse operators, dotted keys, oversized values and bad page sizes', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
      return 'accepted';
    } catch (error) {
      return error instanceof GraphQLError ? error.extensions['code'] : 'other';
    }
  };
  assert.equal(
    code(() => identifier('$gt', 'id')),
    'BAD_USER_INPUT',
  );
  assert.equal(
    code(() => identifier('x'.repeat(129), 'id')),
    'BAD_USER_INPUT',
  );
  assert.equal(
    code(() => identifier('SKU-0001-01', 'id')),
    'accepted',
  );
  assert.equal(
    code(() => safeKey('size.value', 'name')),
    'BAD_USER_INPUT',
  );
  assert.equal(
    code(() => safeKey('$where', 'name')),
    'BAD_USER_INPUT',
  );
  assert.equal(
    code(() => pageSize(0)),
    'BAD_USER_INPUT',
  );
  assert.equal(
    code(() => pageSize(101)),
    'BAD_USER_INPUT',
  );
  assert.equal(pageSize(undefined), 20);
  assert.equal(decodeCursor(encodeCursor('prod_0042')), 'prod_0042');
  assert.equal(
    code(() => decodeCursor('not a cursor!')),
    'BAD_USER_INPUT',
  );
});

test('loaders batch unless MESH_DATALOADER_BATCH is false (a benchmark switch)', () => {
  assert.deepEqual(loaderOptions({}), { batch: true });
  assert.deepEqual(loaderOptions({ MESH_DATALOADER_BATCH: 'false' }), { batch: false });
  assert.deepEqual(loaderOptions({ MESH_DATALOADER_BATCH: 'true' }), { batch: true });
  assert.throws(() => loaderOptions({ MESH_DATALOADER_BATCH: 'sometimes' }), /MESH_DATALOADER_BATCH must be true or false/);
});
