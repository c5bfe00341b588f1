/** Scenario 1's ratios: each peer against ours, governance on against off, tracing against none, per round. */
import { ratio, type MeasuredRatio } from '../../lib/scenario.js';
import type { GatewayTarget } from '../../peers/gateway-run.js';
import { GOVERNANCE_TARGET, GOVERNED_ID, TARGETS, TRACING_RATIOS, tracedId, type Measurement } from './settings.js';

export function ratiosFor(peer: GatewayTarget, measurements: readonly Measurement[]): MeasuredRatio[] {
  const pairs = measurements
    .filter((entry) => entry.target.id === peer.id)
    .map((entry) => ({ peer: entry.run, ours: measurements.find((other) => other.round === entry.round && other.target.id === 'ours')!.run }));
  const target = TARGETS[peer.id] ?? {};
  const throughput = target.throughput;
  const rssAtMost = target.rssAtMost;
  return [
    ratio(
      `throughput ours / ${peer.id}`,
      pairs.map((pair) => pair.ours.requestsPerSecond / pair.peer.requestsPerSecond),
      throughput === undefined ? undefined : { text: `>= ${throughput}`, met: (value) => value >= throughput },
    ),
    ratio(
      `p99 ${peer.id} / ours`,
      pairs.map((pair) => pair.peer.p99Ms / pair.ours.p99Ms),
      target.lowerP99 ? { text: '> 1 (ours lower)', met: (value) => value > 1 } : undefined,
    ),
    ratio(
      `peak RSS ours / ${peer.id}`,
      pairs.map((pair) => pair.ours.peakRssMiB / pair.peer.peakRssMiB),
      rssAtMost === undefined ? undefined : { text: `<= ${rssAtMost}`, met: (value) => value <= rssAtMost },
    ),
    ratio(
      `CPU per request ours / ${peer.id}`,
      pairs.map((pair) => pair.ours.cpuSecondsPer1000 / pair.peer.cpuSecondsPer1000),
    ),
  ];
}

/** Throughput of our gateway with governance on over the same gateway with it off, per round. */
export function governanceRatio(measurements: readonly Measurement[]): MeasuredRatio {
  const perRound = measurements
    .filter((entry) => entry.target.id === GOVERNED_ID)
    .map(
      (entry) => entry.run.requestsPerSecond / measurements.find((other) => other.round === entry.round && other.target.id === 'ours')!.run.requestsPerSecond,
    );
  return ratio('throughput ours with rate limits and trusted operations on / off', perRound, {
    text: `>= ${GOVERNANCE_TARGET}`,
    met: (value) => value >= GOVERNANCE_TARGET,
  });
}

/** Per round: our gateway traced at each ratio over ours with tracing off (throughput, p99, CPU per request). */
export function tracingRatios(measurements: readonly Measurement[]): MeasuredRatio[] {
  return TRACING_RATIOS.flatMap((samplingRatio) => {
    const pairs = measurements
      .filter((entry) => entry.target.id === tracedId(samplingRatio))
      .map((entry) => ({ traced: entry.run, off: measurements.find((other) => other.round === entry.round && other.target.id === 'ours')!.run }));
    const percent = Math.round(samplingRatio * 100);
    return [
      ratio(
        `throughput ours tracing ${percent} % / tracing off`,
        pairs.map((pair) => pair.traced.requestsPerSecond / pair.off.requestsPerSecond),
      ),
      ratio(
        `p99 ours tracing ${percent} % / tracing off`,
        pairs.map((pair) => pair.traced.p99Ms / pair.off.p99Ms),
      ),
      ratio(
        `CPU per request ours tracing ${percent} % / tracing off`,
        pairs.map((pair) => pair.traced.cpuSecondsPer1000 / pair.off.cpuSecondsPer1000),
      ),
    ];
  });
}
