/**
 * What a flash sale's callers went through, second by second, from the call log a burst writes
 * when BENCH_CALL_LOG names a file:
 *
 *   BENCH_CALL_LOG=/tmp/calls.jsonl npx tsx bench/src/run.ts --scenarios 9 --out <dir>
 *   npx tsx bench/src/call-log-summary.ts /tmp/calls.jsonl
 *
 * Per second from the first send: calls answered, refusals and the retry hints they gave (p50 and
 * longest), then calls over 3 s by the second they were sent, and how many calls each key took.
 * Long hints given early show up as seconds with few calls while callers are away.
 */
import { readFileSync } from 'node:fs';
import type { LoggedCall } from './lib/flash-sale.js';
import { percentile } from './lib/stats.js';

const path = process.argv[2];
if (!path) throw new Error('usage: call-log-summary.ts <call log (JSON lines)>');
const calls = readFileSync(path, 'utf8')
  .split('\n')
  .filter((line) => line.length > 0)
  .map((line) => JSON.parse(line) as LoggedCall);
const firstSend = Math.min(...calls.map((call) => call.at - call.latencyMs));
const secondOf = (at: number) => Math.floor((at - firstSend) / 1000);

interface Second {
  answered: number;
  refused: number;
  hints: number[];
}
const seconds = new Map<number, Second>();
for (const call of calls) {
  const second = seconds.get(secondOf(call.at)) ?? { answered: 0, refused: 0, hints: [] };
  if (call.outcome === 'INTAKE_SATURATED') {
    second.refused += 1;
    if (call.retryAfterMs !== undefined) second.hints.push(call.retryAfterMs);
  } else second.answered += 1;
  seconds.set(secondOf(call.at), second);
}
console.log('| second | calls ended | refused | hint p50 ms | longest hint ms |');
console.log('| --- | --- | --- | --- | --- |');
for (const [second, { answered, refused, hints }] of [...seconds].sort(([a], [b]) => a - b)) {
  const hint = (q: number) => (hints.length > 0 ? String(Math.round(percentile(hints, q))) : '-');
  console.log(`| ${second} | ${answered + refused} | ${refused} | ${hint(50)} | ${hint(100)} |`);
}

const slowBySentSecond = new Map<number, number>();
for (const call of calls.filter((each) => each.latencyMs > 3000)) {
  const sent = secondOf(call.at - call.latencyMs);
  slowBySentSecond.set(sent, (slowBySentSecond.get(sent) ?? 0) + 1);
}
const slow = [...slowBySentSecond].sort(([a], [b]) => a - b).map(([second, count]) => `${count} sent in second ${second}`);
console.log(`\nCalls over 3 s: ${slow.length > 0 ? slow.join(', ') : 'none'}.`);

const callsPerKey = new Map<string, number>();
for (const call of calls) callsPerKey.set(call.key, (callsPerKey.get(call.key) ?? 0) + 1);
const keysByCalls = new Map<number, number>();
for (const count of callsPerKey.values()) keysByCalls.set(count, (keysByCalls.get(count) ?? 0) + 1);
const spread = [...keysByCalls].sort(([a], [b]) => a - b).map(([count, keys]) => `${keys} keys ${count}`);
console.log(`Calls per key: ${spread.join(', ')}.`);
