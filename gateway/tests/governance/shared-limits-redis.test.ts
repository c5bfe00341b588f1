import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningHttpService } from '@mesh/server-kit';
import { signDevToken } from '../../src/dev-tokens.js';
import { composeToySupergraph, startToySubgraphs, type RunningToySubgraphs } from '../supergraph/toy-subgraphs.js';
import { codeOf, post, startGatewayOn, writeSupergraph } from '../supergraph/gateway-kit.js';
import { startRedis, type RunningRedis } from './redis-server.js';

// Two gateway replicas behind one balancer share each client's counts through a real Redis: a
// client that spreads its requests over both still gets its limit once, not twice.

let toys: RunningToySubgraphs;
let redis: RunningRedis;
let replicas: [RunningHttpService, RunningHttpService];
const CHEAP = '{ missionPage(first: 2) { name } }'; // cost 2
const PAGE = '{ missionPage(first: 2) { name crew { name } } }'; // cost 22

before(async () => {
  [toys, redis] = await Promise.all([startToySubgraphs(), startRedis()]);
  const path = writeSupergraph(composeToySupergraph(toys.urls));
  const env = { REDIS_URL: redis.url, RATE_LIMIT_REQUESTS: '6', COST_BUDGET: '50' };
  replicas = [await startGatewayOn(path, env), await startGatewayOn(path, env)];
});
after(async () => {
  await Promise.all((replicas ?? []).map((replica) => replica.close()));
  await redis?.stop();
  await toys?.close();
});

const bearer = async (subject: string) => ({ authorization: `Bearer ${await signDevToken({ role: 'analyst', subject })}` });

test('a client alternating between two replicas is limited once across both, and another client keeps its share', async () => {
  const client = await bearer('alternating');
  for (let i = 0; i < 6; i += 1) assert.equal((await post(replicas[i % 2]!.url, { query: CHEAP }, client)).status, 200);
  for (const replica of replicas) {
    const refused = await post(replica.url, { query: CHEAP }, client);
    assert.equal(refused.status, 429);
    assert.equal(codeOf(refused), 'RATE_LIMITED');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  }
  assert.equal((await post(replicas[1].url, { query: CHEAP }, await bearer('other'))).status, 200);
});

test('the cost budget is one budget across replicas', async () => {
  const client = await bearer('budget');
  const first = await post(replicas[0].url, { query: PAGE }, client);
  assert.deepEqual(first.body.extensions?.['cost'], { estimated: 22, max: 200_000, budgetRemaining: 28 });
  const second = await post(replicas[1].url, { query: PAGE }, client);
  assert.deepEqual(second.body.extensions?.['cost'], { estimated: 22, max: 200_000, budgetRemaining: 6 });
  const refused = await post(replicas[0].url, { query: PAGE }, client);
  assert.equal(refused.status, 429);
  assert.equal(codeOf(refused), 'COST_BUDGET_EXCEEDED');
});

test('when Redis goes away each replica keeps serving, counting alone', async () => {
  await redis.stop();
  const client = await bearer('after-redis');
  for (const replica of replicas) assert.equal((await post(replica.url, { query: CHEAP }, client)).status, 200);
});
