import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { createInterface } from 'node:readline';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

import { MONGO_JAVA_SERVER_VERSION, startEmbeddedMongo } from '../src/index.js';

const target = fileURLToPath(new URL('../launcher/target/', import.meta.url));

/** Spawns the launcher directly (no Node wrapper) and waits for its LISTENING line. */
async function launch(t: TestContext): Promise<{ child: ChildProcessWithoutNullStreams; port: number; lines: string[] }> {
  await startEmbeddedMongo({ backend: 'memory' }).then((db) => db.stop()); // builds the launcher if needed
  const classpath = `${target}classes:${(await readFile(`${target}classpath.txt`, 'utf8')).trim()}`;
  const child = spawn('java', ['-cp', classpath, 'EmbeddedMongo', '--backend', 'memory', '--port', '0']);
  t.after(() => child.kill('SIGKILL')); // a failed assertion must not leave it running
  const lines: string[] = [];
  const rl = createInterface({ input: child.stdout });
  rl.on('line', (line) => lines.push(line));
  const [first] = (await once(rl, 'line')) as [string];
  return { child, port: Number(/^LISTENING (\d+)$/.exec(first)?.[1]), lines };
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

test('the launcher prints exactly one LISTENING line and exits when its stdin closes, as when its parent dies', async (t) => {
  const { child, port, lines } = await launch(t);
  assert.ok(port > 0);
  assert.equal(await accepts(port), true);
  const exited = once(child, 'exit');
  child.stdin.end();
  const [code] = await exited;
  assert.equal(code, 0);
  assert.deepEqual(lines, [`LISTENING ${port}`]);
  assert.equal(await accepts(port), false);
});

test('the launcher shuts down on SIGTERM', async (t) => {
  const { child, port } = await launch(t);
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code, signal] = await exited;
  assert.ok(code === 143 || signal === 'SIGTERM', `exit ${code} / ${signal}`);
  assert.equal(await accepts(port), false);
});

test('startEmbeddedMongo serves on the requested port, and stop() frees it and may be repeated', async (t) => {
  const probe = await startEmbeddedMongo({ backend: 'memory' });
  const port = Number(new URL(probe.uri).port);
  await probe.stop();

  const started = performance.now();
  const database = await startEmbeddedMongo({ backend: 'memory', port });
  t.diagnostic(`memory backend ready in ${Math.round(performance.now() - started)} ms`);
  assert.equal(database.uri, `mongodb://127.0.0.1:${port}`);
  assert.equal(database.kind, 'embedded-memory');
  assert.match(database.description, new RegExp(`mongo-java-server ${MONGO_JAVA_SERVER_VERSION} \\(in memory\\)`));
  const pom = await readFile(new URL('../launcher/pom.xml', import.meta.url), 'utf8');
  assert.ok(pom.includes(`<mongo-java-server.version>${MONGO_JAVA_SERVER_VERSION}</`), 'constant matches the pom');
  await Promise.all([database.stop(), database.stop()]);
  await database.stop();
  assert.equal(await accepts(port), false);
});

test('startEmbeddedMongo reports a port already in use instead of hanging', async () => {
  const first = await startEmbeddedMongo({ backend: 'memory' });
  try {
    const port = Number(new URL(first.uri).port);
    await assert.rejects(startEmbeddedMongo({ backend: 'memory', port }), /exited before listening[\s\S]*Address already in use/i);
  } finally {
    await first.stop();
  }
});
