import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/free-port.js';
import { spawnService } from '../src/service-process.js';

const NEVER_READY = fileURLToPath(new URL('./fixtures/never-ready.mjs', import.meta.url));

test('a service that never becomes ready fails its start with what its /ready last answered, so a report names what it waited for', async () => {
  const port = await freePort();
  await assert.rejects(
    spawnService({
      name: 'never-ready',
      entry: NEVER_READY,
      baseUrl: `http://127.0.0.1:${port}`,
      env: { NEVER_READY_PORT: String(port) },
      echo: false,
      readyTimeoutMs: 1500,
    }),
    (error: Error) => {
      assert.match(error.message, /never-ready was not ready within the timeout; its \/ready last answered: HTTP 503/);
      assert.match(error.message, /the product subgraph/);
      return true;
    },
  );
});
