/**
 * One bus member draining a backlog at concurrency 16 (handlers that wait 2 ms on I/O, as a
 * consumer's database write does): events a second and the member's CPU per event. It measures
 * how the JetStream pull loop asks for events when its lanes are busy.
 *
 *   npx tsx bench/src/bus-pull.ts --events 5000
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectJetStreamBus, createEnvelope } from '@mesh/events';
import { startNatsServer } from '@mesh/mesh-runner';

const { values: args } = parseArgs({ options: { events: { type: 'string', default: '5000' } } });
const events = Number(args.events);
const nats = await startNatsServer();
const publisher = await connectJetStreamBus({ servers: nats.url, name: 'bus-pull-publisher' });
const member = await connectJetStreamBus({ servers: nats.url, name: 'bus-pull-member' });
try {
  for (let first = 0; first < events; first += 200) {
    const batch = Array.from({ length: Math.min(200, events - first) }, (_, offset) => first + offset);
    await Promise.all(
      batch.map((index) =>
        publisher.publish(
          createEnvelope(
            'customer.customers-merged',
            { survivorId: `c${index}`, mergedId: `m${index}`, movedIdentityKinds: [] },
            { correlationId: 'bus-pull', idempotencyKey: `bus-pull-${index}` },
          ),
        ),
      ),
    );
  }
  let handled = 0;
  let allHandled!: () => void;
  const finished = new Promise<void>((resolve) => (allHandled = resolve));
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const subscription = await member.subscribe(
    'customer.customers-merged',
    'bus-pull-bench',
    async () => {
      await sleep(2);
      if (++handled === events) allHandled();
    },
    { concurrency: 16, partitionKey: (envelope) => envelope.data.survivorId },
  );
  await finished;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  console.log(
    `${events} events at concurrency 16: ${Math.round(events / seconds)} events/s, member CPU ${Math.round((cpu.user + cpu.system) / events)} us per event`,
  );
  await subscription.stop();
} finally {
  await member.close();
  await publisher.close();
  await nats.stop();
}
