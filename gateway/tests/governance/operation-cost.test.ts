import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildSchema, getOperationAST, parse } from 'graphql';
import { estimateOperationCost, fragmentsOf, type CostModel } from '../../src/governance/operation-cost.js';

// The cost model over the real retail API schema: what a client asks for is what it is charged.

const schema = buildSchema(readFileSync(new URL('../../../schema/api-schema.graphql', import.meta.url), 'utf8'));
const DEFAULTS: CostModel = { defaultListSize: 10, listSizes: new Map() };
const MAX_COST = 200_000; // MAX_OPERATION_COST's default

function cost(query: string, variables: Record<string, unknown> = {}, model: CostModel = DEFAULTS): number {
  const document = parse(query);
  const operation = getOperationAST(document);
  assert.ok(operation);
  return estimateOperationCost(schema, operation, fragmentsOf(document.definitions), variables, model);
}

// The operation the issue found refused whatever page it asked for: customers, 20 orders each,
// their lines, variants, products and availability levels.
const CUSTOMERS_WITH_ORDERS = `query Customers($customers: Int!) {
  customers(first: $customers) { edges { node { name
    orders(first: 20) { edges { node { number lines { quantity variant { sku product { name } availability { levels { location { name } available } } } } } } }
  } } }
}`;

test('a small page of a deep query passes the default limit and a large page of it does not: the cost is linear in first', () => {
  const eight = cost(CUSTOMERS_WITH_ORDERS, { customers: 8 });
  const eighty = cost(CUSTOMERS_WITH_ORDERS, { customers: 80 });
  assert.ok(eight < MAX_COST, `8 customers cost ${eight}`);
  assert.ok(eighty > MAX_COST, `80 customers cost ${eighty}`);
  assert.ok(eighty > 9 * eight, 'ten times the page costs about ten times as much');
});

test('a large page of a shallow query may cost more than a small page of a deep one', () => {
  const shallow = cost('{ orders(first: 100000) { edges { node { number customer { name } } } } }');
  assert.ok(shallow > MAX_COST, `shallow cost ${shallow}`);
});

test("a connection's first sizes the edges under it, and an argument's schema default counts when it is not sent", () => {
  assert.equal(cost('{ customer(id: "c") { orders(first: 5) { edges { node { number } } } } }'), 1 + 1 + 5 * (1 + 1));
  // Customer.orders declares first: Int = 20.
  assert.equal(cost('{ customer(id: "c") { orders { edges { node { number } } } } }'), 1 + 1 + 20 * (1 + 1));
});

test('a list without arguments costs its declared size (LIST_SIZES), else DEFAULT_LIST_SIZE; leaves are free', () => {
  assert.equal(cost('{ locations { id name } }'), 10);
  assert.equal(cost('{ locations { id name } }', {}, { defaultListSize: 10, listSizes: new Map([['Query.locations', { assumedSize: 25 }]]) }), 25);
  assert.equal(cost('{ locations { id } }', {}, { defaultListSize: 3, listSizes: new Map() }), 3);
});

test('fragments count like inline selections, and each mutation field costs 10', () => {
  const inline = cost('{ customer(id: "c") { orders(first: 2) { edges { node { number } } } } }');
  const spread = cost('query { customer(id: "c") { ...Orders } } fragment Orders on Customer { orders(first: 2) { edges { node { number } } } }');
  assert.equal(spread, inline);
  assert.ok(cost('mutation { cancelOrder(orderId: "o", idempotencyKey: "k") { id } }') >= 10);
});
