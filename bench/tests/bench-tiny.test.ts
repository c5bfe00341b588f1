import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RunHeader } from '../src/lib/report.js';
import type { ScenarioResult } from '../src/lib/scenario.js';
import { SCENARIOS } from '../src/scenarios/index.js';

// Runs every scenario once at tiny size through the real runner (one mesh of processes, the load
// generator in its own pinned process, peers that are installed), so the benchmarks cannot rot.
// It checks that each scenario measured something and that its hard checks held (a scenario
// throws when data differ between gateways, N+1 appears, or an order oversells); it asserts no
// timings: performance is judged by `npm run bench` on a quiet machine, not here.
const runner = fileURLToPath(new URL('../src/run.ts', import.meta.url));

test('every scenario runs at tiny size and reports measured numbers', { timeout: 20 * 60_000 }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'bench-tiny-'));
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', runner, '--size', 'tiny', '--out', out], { maxBuffer: 64 * 2 ** 20 });
    const report = JSON.parse(await readFile(join(out, 'tiny.json'), 'utf8')) as RunHeader & { results: ScenarioResult[] };
    assert.deepEqual(
      report.results.map((result) => result.id),
      SCENARIOS.map((scenario) => scenario.id),
    );
    assert.match(report.commit, /^[0-9a-f]{7,}|unknown/);
    for (const result of report.results) {
      const numbers = result.tables.flatMap((table) => table.rows.flat()).filter((value): value is number => typeof value === 'number');
      assert.ok(numbers.length > 0, `scenario ${result.id} has no measured numbers`);
      assert.ok(
        numbers.every((value) => !Number.isNaN(value)),
        `scenario ${result.id} reported NaN`,
      );
      for (const item of result.ratios)
        assert.ok(item.perRound.length >= 1 && Number.isFinite(item.median), `scenario ${result.id} ratio ${item.name} has no value`);
    }
    const markdown = await readFile(join(out, 'tiny.md'), 'utf8');
    for (const scenario of SCENARIOS) assert.match(markdown, new RegExp(`## ${scenario.id}\\. `));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
