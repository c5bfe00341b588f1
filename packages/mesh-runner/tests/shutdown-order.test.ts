import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./fixtures/run-until-interrupted.ts', import.meta.url));

/** What a service logs when a dependency went away under it while it was still working. */
const DEPENDENCY_GONE =
  /relay pass failed|ECONNREFUSED|MongoNetworkError|MongoServerSelectionError|MongoNotConnectedError|closing [a-z ]+ failed|shutdown failed|CONNECTION_REFUSED/;

test('Ctrl-C stops the gateway, then the subgraphs, then the broker, then the database, and no service logs a dependency gone', async () => {
  // Its own process group, so that signalling the group is what a terminal's Ctrl-C does.
  const runner = spawn(process.execPath, ['--import', 'tsx', FIXTURE], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const lines: string[] = [];
  let buffered = '';
  const collect = (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    lines.push(...complete.filter((line) => line.length > 0));
  };
  runner.stdout.on('data', collect);
  runner.stderr.on('data', collect);
  const exited = once(runner, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  try {
    await waitFor(() => lines.includes('[runner] mesh ready'), exited, 300_000);
    // Let the relays and jobs run a few passes, then interrupt the whole group.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const readyAt = lines.length;
    process.kill(-runner.pid!, 'SIGINT');
    const [code] = await exited;
    const shutdown = lines.slice(readyAt);

    assert.equal(code, 0, shutdown.join('\n'));
    const stages = [
      '[runner] stopping gateway',
      '[runner] stopping subgraphs (draining consumers and outbox relays)',
      '[runner] stopping event broker',
      '[runner] stopping database',
      '[runner] stopped',
    ];
    const positions = stages.map((stage) => shutdown.indexOf(stage));
    assert.ok(
      positions.every((position) => position >= 0),
      `every stage is logged:\n${shutdown.join('\n')}`,
    );
    assert.deepEqual(
      [...positions].sort((a, b) => a - b),
      positions,
      'the stages run in dependency order',
    );
    assert.deepEqual(
      shutdown.filter((line) => DEPENDENCY_GONE.test(line)),
      [],
      'no service lost a dependency while stopping',
    );
  } finally {
    if (runner.exitCode === null && runner.signalCode === null) {
      process.kill(-runner.pid!, 'SIGKILL');
      await exited;
    }
  }
});

async function waitFor(condition: () => boolean, exited: Promise<unknown>, timeoutMs: number): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (gone) throw new Error('the runner exited before the mesh was ready');
    if (Date.now() > deadline) throw new Error('the mesh was not ready in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
