/**
 * Memory of idle live subscriptions in one gateway: N graphql-ws sockets, each with one
 * availabilityChanged subscription, opened on a fresh gateway replica, then the replica's RSS and
 * heap sampled once it is quiet. Two shapes: every subscriber on the same SKU (one shared group)
 * and every subscriber on a different SKU (N groups, N upstream subscriptions: the shape sharing
 * cannot help). Then one movement on a watched SKU is delivered to measure that nothing broke.
 *
 *   npx tsx bench/src/idle-subscribers.ts --subscribers 19000
 *
 * The worker and the replica each hold N sockets, so the open-files limit must be above N (this
 * machine's hard limit is 20,000: 19,000 is the most it can hold with the replica's other files).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMesh, type MeshReplica, type RunningMesh } from '@mesh/mesh-runner';
import { retailDataset } from '@mesh/seed-data';
import { principals } from '@mesh/test-kit';
import { signDevToken } from '@mesh/gateway';
import { childPidWithEnv, startSubscriberWorker } from './lib/fan-out-children.js';
import type { OpenResult } from './lib/fan-out-protocol.js';
import { sampleProcessTree } from './lib/process-stats.js';
import { round } from './lib/stats.js';

const { values: args } = parseArgs({ options: { subscribers: { type: 'string', default: '20000' } } });
const subscribers = Number(args.subscribers);
const STORE = principals.associate.storeId;
const WATCH = /* GraphQL */ `
  subscription Watch($skus: [ID!]!, $locationIds: [ID!]) {
    availabilityChanged(skus: $skus, locationIds: $locationIds) {
      cursor
      kind
      sku
      available
      at
    }
  }
`;

async function startReplica(mesh: RunningMesh): Promise<MeshReplica> {
  const env = { WS_MAX_SOCKETS_PER_CLIENT: String(subscribers), WS_CONNECTION_INIT_TIMEOUT_MS: '60000' };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    return await mesh.startReplica('gateway');
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/**
 * Opens the subscribers from two worker processes signed in as two associates of the store, as
 * two pools of devices would: the same-SKU shape is then two groups, one per caller.
 */
async function measure(mesh: RunningMesh, shape: 'same SKU' | 'distinct SKUs', skus: readonly string[]): Promise<string> {
  const replica = await startReplica(mesh);
  const callers = [principals.associate, { ...principals.associate, subject: `${principals.associate.subject ?? 'associate'}-second-device-pool` }];
  const workers = callers.map(() => startSubscriberWorker());
  try {
    const pid = await childPidWithEnv('GATEWAY_PORT', new URL(replica.url).port);
    await sleep(2000);
    const before = await sampleProcessTree(pid);
    const started = performance.now();
    const shares = workers.map((_, index) => Math.floor(subscribers / workers.length) + (index < subscribers % workers.length ? 1 : 0));
    const results = await Promise.all(
      workers.map(async (worker, index) =>
        worker.call<OpenResult>({
          type: 'open-ours',
          url: replica.url,
          token: await signDevToken(callers[index]!),
          count: shares[index]!,
          query: WATCH,
          variables: { skus: [skus[0]], locationIds: [STORE] },
          // Each worker starts at its own offset so the two halves watch different SKUs too.
          ...(shape === 'distinct SKUs' ? { distinctSkus: [...skus.slice(index * shares[0]!), ...skus.slice(0, index * shares[0]!)] } : {}),
        }),
      ),
    );
    const openedMs = Math.round(performance.now() - started);
    const failed = results.reduce((sum, result) => sum + result.failed, 0);
    if (failed > 0) throw new Error(`${failed} of ${subscribers} sockets failed: ${results.find((result) => result.firstError)?.firstError ?? '?'}`);
    await sleep(10_000); // the last subscriptions reach the subgraph and the replica settles
    const after = await sampleProcessTree(pid);
    const perSubscriberKiB = ((after.rssMiB - before.rssMiB) * 1024) / subscribers;
    return `| ${shape} | ${subscribers} | ${openedMs} | ${round(before.rssMiB)} | ${round(after.rssMiB)} | ${round(perSubscriberKiB)} | ${round(before.rssMiB + (perSubscriberKiB * 20_000) / 1024)} |`;
  } finally {
    for (const worker of workers) {
      await worker.call({ type: 'close', which: 'ours' }).catch(() => undefined);
      await worker.stop();
    }
    await replica.stop();
  }
}

const dataDir = await mkdtemp(join(tmpdir(), 'mesh-idle-subscribers-'));
const mesh = await startMesh({ persistent: false, dataDir, env: { NODE_ENV: 'test', LOG_LEVEL: 'error' }, log: () => {} });
try {
  const skus = retailDataset().variants.map((variant) => variant.sku);
  console.log(`Idle subscribers in one gateway replica (RSS in MiB; target: 20,000 under 1 GiB)\n`);
  console.log(
    '| shape | subscribers | opened in (ms) | replica RSS before | RSS with subscribers | KiB per subscriber | RSS at 20,000 (before + 20,000 x per subscriber) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  console.log(await measure(mesh, 'same SKU', skus));
  console.log(await measure(mesh, 'distinct SKUs', skus));
  console.log(
    `\n${skus.length} SKUs in the catalogue: with more subscribers than SKUs, "distinct" repeats each SKU about ${Math.ceil(subscribers / skus.length)} times per caller.`,
  );
} finally {
  await mesh.stop();
  await rm(dataDir, { recursive: true, force: true });
}
