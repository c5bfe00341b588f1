import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { principals, startTestDatabase, startTestSubgraph, type TestSubgraph } from '@mesh/test-kit';
import type { RunningDatabase } from '@mesh/embedded-mongo';
import { customerSubgraph } from '../src/module.js';
import { CUSTOMER_FIELDS, type CustomerData } from './helpers.js';

let database: RunningDatabase;
let subgraph: TestSubgraph;

before(async () => {
  database = await startTestDatabase();
  subgraph = await startTestSubgraph(customerSubgraph, { mongoUri: database.uri });
});
after(async () => {
  await subgraph?.close();
  await database?.stop();
});

const CUSTOMER_42 = `{ customer(id: "cus_00042") { ${CUSTOMER_FIELDS} } }`;
const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { ${CUSTOMER_FIELDS} } } }`;
type One = { customer: CustomerData | null };
type Entities = { _entities: (CustomerData | null)[] };

describe('who may read a customer, and what they see', () => {
  test('an anonymous caller is asked to sign in for a customer, for me, for the list and for an entity', async () => {
    for (const query of [
      CUSTOMER_42,
      '{ me { id } }',
      '{ customers { totalCount } }',
      '{ customerByIdentity(kind: LOYALTY_CARD, value: "LC0000007919") { id } }',
    ]) {
      const response = await subgraph.request(query, {}, principals.anonymous);
      assert.equal(response.errors?.[0]?.extensions?.['code'], 'UNAUTHENTICATED', query);
    }
    const entity = await subgraph.request(ENTITIES, { r: [{ __typename: 'Customer', id: 'cus_00042' }] }, principals.anonymous);
    assert.equal(entity.errors?.[0]?.extensions?.['code'], 'UNAUTHENTICATED');
  });

  test('a customer reads their own record unmasked', async () => {
    const response = await subgraph.request<One>(CUSTOMER_42, {}, principals.customer('cus_00042'));
    assert.equal(response.errors, undefined);
    assert.equal(response.data?.customer?.email, 'leon.rossi.42@example.com');
    assert.equal(response.data?.customer?.phone, '+15550000042');
    assert.equal(response.data?.customer?.piiMasked, false);
    assert.equal(response.data?.customer?.createdAt, '2025-10-14T00:00:00.000Z');
  });

  test('a customer asking for someone else, or for an id that does not exist, is forbidden', async () => {
    const other = await subgraph.request<One>('{ customer(id: "cus_00043") { id } }', {}, principals.customer('cus_00042'));
    assert.equal(other.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    assert.equal(other.data?.customer, null);
    const unknown = await subgraph.request<One>('{ customer(id: "cus_99999") { id } }', {}, principals.customer('cus_00042'));
    assert.equal(unknown.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
  });

  test('a customer may neither list customers nor look them up by identity', async () => {
    const list = await subgraph.request('{ customers { totalCount } }', {}, principals.customer('cus_00042'));
    assert.equal(list.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    const lookup = await subgraph.request('{ customerByIdentity(kind: WEB_ACCOUNT, value: "web_000042") { id } }', {}, principals.customer('cus_00042'));
    assert.equal(lookup.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
  });

  test('me is the signed-in customer unmasked, and null for staff', async () => {
    const mine = await subgraph.request<{ me: CustomerData | null }>(`{ me { ${CUSTOMER_FIELDS} } }`, {}, principals.customer('cus_00042'));
    assert.equal(mine.data?.me?.id, 'cus_00042');
    assert.equal(mine.data?.me?.piiMasked, false);
    const staff = await subgraph.request<{ me: CustomerData | null }>('{ me { id } }', {}, principals.associate);
    assert.equal(staff.errors, undefined);
    assert.equal(staff.data?.me, null);
  });

  test('an associate and an admin read any customer unmasked', async () => {
    for (const principal of [principals.associate, principals.admin]) {
      const response = await subgraph.request<One>(CUSTOMER_42, {}, principal);
      assert.equal(response.data?.customer?.email, 'leon.rossi.42@example.com', principal.role);
      assert.equal(response.data?.customer?.piiMasked, false, principal.role);
    }
  });

  test('an analyst reads any customer with email, phone and PII identities masked', async () => {
    const response = await subgraph.request<One>('{ customer(id: "cus_00001") { ' + CUSTOMER_FIELDS + ' } }', {}, principals.analyst);
    const customer = response.data?.customer;
    assert.equal(customer?.piiMasked, true);
    assert.equal(customer?.email, 'l***@example.com');
    assert.equal(customer?.phone, '+1*******0001');
    assert.equal(customer?.name, 'Liam Nguyen');
    assert.deepEqual(customer?.identities, [
      { kind: 'EMAIL', value: 'l***@example.com' },
      { kind: 'WEB_ACCOUNT', value: 'web_000001' },
      { kind: 'LOYALTY_CARD', value: 'LC0000007919' },
      { kind: 'PHONE', value: '+1*******0001' },
    ]);
  });

  test('staff asking for an unknown id get null; a malformed id is BAD_USER_INPUT', async () => {
    const unknown = await subgraph.request<One>('{ customer(id: "cus_99999") { id } }', {}, principals.associate);
    assert.equal(unknown.errors, undefined);
    assert.equal(unknown.data?.customer, null);
    const malformed = await subgraph.request('{ customer(id: "{\\"$gt\\": \\"\\"}") { id } }', {}, principals.associate);
    assert.equal(malformed.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
  });

  test('an entity reference follows the same rule: a customer gets only themself, others are FORBIDDEN on that entity', async () => {
    const response = await subgraph.request<Entities>(
      ENTITIES,
      {
        r: [
          { __typename: 'Customer', id: 'cus_00042' },
          { __typename: 'Customer', id: 'cus_00043' },
        ],
      },
      principals.customer('cus_00042'),
    );
    assert.equal(response.data?._entities[0]?.email, 'leon.rossi.42@example.com');
    assert.equal(response.data?._entities[1], null);
    assert.equal(response.errors?.length, 1);
    assert.deepEqual(response.errors?.[0]?.path, ['_entities', 1]);
    assert.equal(response.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
  });

  test('an entity reference is masked for an analyst and unmasked for an associate', async () => {
    const r = [{ __typename: 'Customer', id: 'cus_00042' }];
    const analyst = await subgraph.request<Entities>(ENTITIES, { r }, principals.analyst);
    assert.equal(analyst.data?._entities[0]?.email, 'l***@example.com');
    assert.equal(analyst.data?._entities[0]?.piiMasked, true);
    const associate = await subgraph.request<Entities>(ENTITIES, { r }, principals.associate);
    assert.equal(associate.data?._entities[0]?.email, 'leon.rossi.42@example.com');
  });
});

describe('looking a customer up by a channel identity', () => {
  const lookup = `query($kind: IdentityKind!, $value: String!) { customerByIdentity(kind: $kind, value: $value) { ${CUSTOMER_FIELDS} } }`;
  type Found = { customerByIdentity: CustomerData | null };

  test('a scanned loyalty card finds its customer', async () => {
    const response = await subgraph.request<Found>(lookup, { kind: 'LOYALTY_CARD', value: 'LC0015370779' }, principals.associate);
    assert.equal(response.errors, undefined);
    assert.equal(response.data?.customerByIdentity?.id, 'cus_01941');
  });

  test('an email two records share finds the older one, whatever its case and spacing', async () => {
    const response = await subgraph.request<Found>(lookup, { kind: 'EMAIL', value: '  Liam.Nguyen.1@EXAMPLE.com ' }, principals.associate);
    assert.equal(response.data?.customerByIdentity?.id, 'cus_00001');
  });

  test('a phone matches without its spaces and dashes', async () => {
    const response = await subgraph.request<Found>(lookup, { kind: 'PHONE', value: '+1 555-000-0001' }, principals.admin);
    assert.equal(response.data?.customerByIdentity?.id, 'cus_00001');
  });

  test('an identity nobody holds, or held under another kind, finds nobody', async () => {
    const none = await subgraph.request<Found>(lookup, { kind: 'LOYALTY_CARD', value: 'LC9999999999' }, principals.associate);
    assert.equal(none.errors, undefined);
    assert.equal(none.data?.customerByIdentity, null);
    const wrongKind = await subgraph.request<Found>(lookup, { kind: 'WEB_ACCOUNT', value: 'LC0015370779' }, principals.associate);
    assert.equal(wrongKind.data?.customerByIdentity, null);
  });

  test('an analyst finds a customer by loyalty card masked, but may not probe by email or phone', async () => {
    const card = await subgraph.request<Found>(lookup, { kind: 'LOYALTY_CARD', value: 'LC0000007919' }, principals.analyst);
    assert.equal(card.data?.customerByIdentity?.id, 'cus_00001');
    assert.equal(card.data?.customerByIdentity?.piiMasked, true);
    const email = await subgraph.request<Found>(lookup, { kind: 'EMAIL', value: 'liam.nguyen.1@example.com' }, principals.analyst);
    assert.equal(email.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
  });

  test('an empty or oversized identity value is BAD_USER_INPUT', async () => {
    for (const value of ['   ', 'x'.repeat(300), `{"$gt": ""}`.padEnd(1000, ' ')]) {
      const response = await subgraph.request<Found>(lookup, { kind: 'WEB_ACCOUNT', value }, principals.associate);
      assert.equal(response.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    }
  });
});
