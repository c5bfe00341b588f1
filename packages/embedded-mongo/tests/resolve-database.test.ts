import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, afterEach, beforeEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { MongoClient } from 'mongodb';

import { DatabaseUnavailableError, resolveDatabase, startEmbeddedMongo } from '../src/index.js';

const dir = await mkdtemp(join(tmpdir(), 'embedded-mongo-resolve-'));
after(() => rm(dir, { recursive: true, force: true }));

const saved = { uri: process.env.MONGODB_URI, path: process.env.PATH };
beforeEach(() => delete process.env.MONGODB_URI);
afterEach(() => {
  if (saved.uri === undefined) delete process.env.MONGODB_URI;
  else process.env.MONGODB_URI = saved.uri;
  process.env.PATH = saved.path;
});

const which = (name: string) => {
  try {
    return execFileSync('bash', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
};
const realMongod = which('mongod');

async function ping(uri: string): Promise<void> {
  const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    assert.deepEqual(await client.db('admin').command({ ping: 1 }), { ok: 1 });
  } finally {
    await client.close();
  }
}

test('resolveDatabase honours MONGODB_URI: kind external, nothing started, stop is a no-op', async () => {
  const server = await startEmbeddedMongo({ backend: 'memory' });
  try {
    process.env.MONGODB_URI = server.uri;
    const lines: string[] = [];
    const database = await resolveDatabase({ persistent: true, dataDir: join(dir, 'unused'), log: (l) => lines.push(l) });
    assert.equal(database.kind, 'external');
    assert.equal(database.uri, server.uri);
    assert.deepEqual(lines, [`database: MONGODB_URI (${server.uri})`]);
    await database.stop();
    await ping(server.uri); // the external server is still up
    await assert.rejects(readdir(join(dir, 'unused')), { code: 'ENOENT' });
  } finally {
    await server.stop();
  }
});

test('resolveDatabase keeps the password of MONGODB_URI out of its log line', async () => {
  process.env.MONGODB_URI = 'mongodb://mesh:s3cret@db.example:27017/retail?authSource=admin';
  const lines: string[] = [];
  const database = await resolveDatabase({ persistent: false, dataDir: dir, log: (l) => lines.push(l) });
  assert.equal(database.uri, process.env.MONGODB_URI);
  assert.equal(lines.length, 1);
  assert.doesNotMatch(lines[0]!, /s3cret/);
  assert.match(database.description, /mongodb:\/\/mesh:\*\*\*@db\.example:27017/);
});

test(
  'without MONGODB_URI or mongod, resolveDatabase starts the embedded H2 database when persistent',
  {
    skip: realMongod && `a real mongod is on PATH (${realMongod})`,
  },
  async () => {
    const dataDir = join(dir, 'persistent');
    const lines: string[] = [];
    const database = await resolveDatabase({ persistent: true, dataDir, log: (l) => lines.push(l) });
    try {
      assert.equal(database.kind, 'embedded-h2');
      assert.match(lines[0]!, /mongo-java-server .*H2 file .*embedded\.h2/);
      await ping(database.uri);
    } finally {
      await database.stop();
    }
    assert.ok((await readdir(dataDir)).includes('embedded.h2'));
  },
);

test(
  'without MONGODB_URI or mongod, resolveDatabase starts the in-memory embedded database when not persistent',
  {
    skip: realMongod && `a real mongod is on PATH (${realMongod})`,
  },
  async () => {
    const database = await resolveDatabase({ persistent: false, dataDir: join(dir, 'memory'), log: () => {} });
    try {
      assert.equal(database.kind, 'embedded-memory');
      await ping(database.uri);
    } finally {
      await database.stop();
    }
  },
);

test('resolveDatabase prefers a mongod on PATH and starts it with its data under dataDir/mongod', async () => {
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  const fake = fileURLToPath(new URL('./fixtures/fake-mongod.ts', import.meta.url));
  await writeFile(join(bin, 'mongod'), `#!/bin/sh\nexec node --import tsx "${fake}" "$@"\n`);
  await chmod(join(bin, 'mongod'), 0o755);
  process.env.PATH = `${bin}${delimiter}${saved.path}`;

  const dataDir = join(dir, 'with-mongod');
  const database = await resolveDatabase({ persistent: false, dataDir, log: () => {} });
  let dbPaths: string[];
  try {
    assert.equal(database.kind, 'mongod');
    assert.match(database.description, new RegExp(`mongod ${join(bin, 'mongod')} on 127\\.0\\.0\\.1:\\d+`));
    await ping(database.uri);
    dbPaths = (await readdir(join(dataDir, 'mongod'))).filter((name) => name.startsWith('ephemeral-'));
    assert.equal(dbPaths.length, 1);
    assert.deepEqual(await readdir(join(dataDir, 'mongod', dbPaths[0]!)), ['fake-mongod.txt']);
  } finally {
    await database.stop();
  }
  // Not persistent: the data directory goes with the server.
  await assert.rejects(readdir(join(dataDir, 'mongod', dbPaths[0]!)), { code: 'ENOENT' });
});

test('with no MONGODB_URI, no mongod and no Java, resolveDatabase fails naming every remedy', async () => {
  // A PATH with just what the launcher script needs besides Java.
  const bin = join(dir, 'no-java-bin');
  await mkdir(bin, { recursive: true });
  for (const tool of ['bash', 'dirname', 'cat', 'mkdir', 'flock']) {
    const path = which(tool);
    if (path) await symlink(path, join(bin, tool));
  }
  process.env.PATH = bin;

  await assert.rejects(resolveDatabase({ persistent: false, dataDir: join(dir, 'nothing'), log: () => {} }), (error: Error) => {
    assert.ok(error instanceof DatabaseUnavailableError);
    assert.match(error.message, /'java' is not on PATH/);
    assert.match(error.message, /set MONGODB_URI/);
    assert.match(error.message, /`mongod` is on PATH/);
    assert.match(error.message, /Java 17\+ JDK and Maven/);
    return true;
  });
});
