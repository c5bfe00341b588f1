import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { retailDataset } from '@mesh/seed-data';
import { principals, postGraphQL } from '@mesh/test-kit';
import { SUBGRAPHS } from '@mesh/mesh-runner';
import { errorCodes, type MeshUnderTest } from '../mesh-fixture.js';

const data = retailDataset();
const SKU = data.variants[0]!.sku;
const STORE = data.locations[0]!.id;

const CUSTOMER = `query($id: ID!) { customer(id: $id) { id email phone piiMasked } }`;
const ORDER = `query($id: ID!) { order(id: $id) { id number customer { id } } }`;
const CATALOG = `query($sku: ID!) { variant(sku: $sku) { sku price(currency: USD) { amount } product { name } availability { available } } locations { code } }`;
const TRIAL_BALANCE = `{ trialBalance(currency: USD) { balanced } }`;
const CUSTOMERS = `{ customers(first: 5) { edges { node { id email } } } }`;
const MOVE = `mutation($key: String!) { recordStockMovement(input: { sku: "${SKU}", locationId: "${STORE}", type: RECEIPT, quantity: 1, idempotencyKey: $key, reason: "access test" }) { __typename } }`;

const ORDERS = `{ orders(first: 100) { edges { node { id number customer { id } } } } }`;

interface Subject {
  readonly customer: { readonly id: string; readonly email: string; readonly phone: string };
  readonly order: { readonly id: string; readonly number: string };
}

/** Two customers of the history (with an email and a phone) and one order of each, found through the graph as an admin. */
async function discoverSubjects(mesh: MeshUnderTest): Promise<[Subject, Subject]> {
  const response = await mesh.query<
    { orders: { edges: { node: { id: string; number: string; customer: { id: string } | null } }[] } },
    Record<string, unknown>
  >(ORDERS, {}, principals.admin);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  const subjects: Subject[] = [];
  for (const { node } of response.data!.orders.edges) {
    if (!node.customer || subjects.some((subject) => subject.customer.id === node.customer!.id)) continue;
    const profile = await mesh.query<{ customer: { id: string; email: string; phone: string | null } }, Record<string, unknown>>(
      CUSTOMER,
      { id: node.customer.id },
      principals.admin,
    );
    assert.equal(profile.errors, undefined, JSON.stringify(profile.errors));
    const { id, email, phone } = profile.data!.customer;
    if (!phone) continue;
    subjects.push({ customer: { id, email, phone }, order: { id: node.id, number: node.number } });
    if (subjects.length === 2) break;
  }
  assert.equal(subjects.length, 2, 'the history has two customers with orders');
  return [subjects[0]!, subjects[1]!];
}

export function accessSuite(mesh: () => MeshUnderTest): void {
  describe('access through the gateway', () => {
    let alice: Subject['customer'];
    let bob: Subject['customer'];
    let aliceOrder: Subject['order'];
    let bobOrder: Subject['order'];
    before(async () => {
      const [first, second] = await discoverSubjects(mesh());
      [alice, aliceOrder, bob, bobOrder] = [first.customer, first.order, second.customer, second.order];
    });

    test('every subgraph refuses a direct call without the gateway credential, _entities included', async () => {
      for (const name of SUBGRAPHS) {
        const response = await postGraphQL(mesh().mesh.subgraphUrls[name], '{ _service { sdl } }');
        assert.equal(response.status, 401, name);
        assert.deepEqual(errorCodes({ status: response.status, errors: response.errors }), ['UNAUTHENTICATED']);
        const entities = await postGraphQL(mesh().mesh.subgraphUrls[name], 'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }', {
          r: [{ __typename: 'Order', id: aliceOrder.id }],
        });
        assert.equal(entities.status, 401, name);
      }
    });

    test('a forged or expired bearer token is refused, not downgraded to anonymous', async () => {
      const response = await fetch(mesh().mesh.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-real-token' },
        body: JSON.stringify({ query: '{ locations { code } }' }),
      });
      assert.equal(response.status, 401);
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      assert.equal(body.errors[0]?.extensions.code, 'UNAUTHENTICATED');
    });

    test('anonymous callers read the catalog, prices and availability but nothing personal, financial or writable', async () => {
      const catalog = await mesh().query(CATALOG, { sku: SKU });
      assert.equal(catalog.errors, undefined, JSON.stringify(catalog.errors));
      assert.equal(catalog.data && (catalog.data as { locations: unknown[] }).locations.length, 25);
      assert.deepEqual(errorCodes(await mesh().query(CUSTOMER, { id: alice.id })), ['UNAUTHENTICATED']);
      assert.deepEqual(errorCodes(await mesh().query(ORDER, { id: aliceOrder.id })), ['UNAUTHENTICATED']);
      assert.deepEqual(errorCodes(await mesh().query(TRIAL_BALANCE)), ['UNAUTHENTICATED']);
      assert.deepEqual(errorCodes(await mesh().query(MOVE, { key: 'access-anon' })), ['UNAUTHENTICATED']);
    });

    test("a customer sees their own profile unmasked and their own orders, and nobody else's", async () => {
      const me = principals.customer(alice.id);
      const own = await mesh().query<{ customer: { email: string; piiMasked: boolean } }, Record<string, unknown>>(CUSTOMER, { id: alice.id }, me);
      assert.equal(own.data?.customer.email, alice.email);
      assert.equal(own.data?.customer.piiMasked, false);
      assert.deepEqual(errorCodes(await mesh().query(CUSTOMER, { id: bob.id }, me)), ['FORBIDDEN']);
      const ownOrder = await mesh().query<{ order: { number: string } }, Record<string, unknown>>(ORDER, { id: aliceOrder.id }, me);
      assert.equal(ownOrder.data?.order.number, aliceOrder.number);
      assert.deepEqual(errorCodes(await mesh().query(ORDER, { id: bobOrder.id }, me)), ['FORBIDDEN']);
      assert.deepEqual(errorCodes(await mesh().query(CUSTOMERS, {}, me)), ['FORBIDDEN']);
      assert.deepEqual(errorCodes(await mesh().query(TRIAL_BALANCE, {}, me)), ['FORBIDDEN']);
      assert.deepEqual(errorCodes(await mesh().query(MOVE, { key: 'access-customer' }, me)), ['FORBIDDEN']);
    });

    test('an associate sees customers with their contact details and orders, and records stock, but not the ledger', async () => {
      const response = await mesh().query<{ customer: { email: string; piiMasked: boolean } }, Record<string, unknown>>(
        CUSTOMER,
        { id: bob.id },
        principals.associate,
      );
      assert.equal(response.data?.customer.email, bob.email);
      assert.equal(response.data?.customer.piiMasked, false);
      const order = await mesh().query<{ order: { number: string } }, Record<string, unknown>>(ORDER, { id: bobOrder.id }, principals.associate);
      assert.equal(order.data?.order.number, bobOrder.number);
      const move = await mesh().query<{ recordStockMovement: { __typename: string } }, Record<string, unknown>>(
        MOVE,
        { key: 'access-associate' },
        principals.associate,
      );
      assert.equal(move.data?.recordStockMovement.__typename, 'StockMovementRecorded');
      assert.deepEqual(errorCodes(await mesh().query(TRIAL_BALANCE, {}, principals.associate)), ['FORBIDDEN']);
    });

    test('an analyst reads everything with personal data masked, and cannot write', async () => {
      const response = await mesh().query<{ customer: { email: string; phone: string; piiMasked: boolean } }, Record<string, unknown>>(
        CUSTOMER,
        { id: bob.id },
        principals.analyst,
      );
      assert.equal(response.data?.customer.piiMasked, true);
      assert.notEqual(response.data?.customer.email, bob.email);
      assert.notEqual(response.data?.customer.phone, bob.phone);
      assert.ok(!response.data?.customer.email.includes(bob.email.split('@')[0]!));
      const balance = await mesh().query<{ trialBalance: { balanced: boolean } }, Record<string, unknown>>(TRIAL_BALANCE, {}, principals.analyst);
      assert.equal(balance.data?.trialBalance.balanced, true);
      assert.deepEqual(errorCodes(await mesh().query(MOVE, { key: 'access-analyst' }, principals.analyst)), ['FORBIDDEN']);
    });

    test('an admin reads and writes everything unmasked', async () => {
      const response = await mesh().query<{ customer: { email: string } }, Record<string, unknown>>(CUSTOMER, { id: bob.id }, principals.admin);
      assert.equal(response.data?.customer.email, bob.email);
      assert.equal((await mesh().query(TRIAL_BALANCE, {}, principals.admin)).errors, undefined);
      const move = await mesh().query<{ recordStockMovement: { __typename: string } }, Record<string, unknown>>(
        MOVE,
        { key: 'access-admin' },
        principals.admin,
      );
      assert.equal(move.data?.recordStockMovement.__typename, 'StockMovementRecorded');
    });
  });
}
