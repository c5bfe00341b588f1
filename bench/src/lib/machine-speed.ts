import { createHash } from 'node:crypto';

/**
 * A fixed piece of CPU work timed in this process: 20,000 SHA-256 digests of 1 KiB. Taken just
 * before a measured round while the mesh is quiet, it tells a slower machine (another tenant, a
 * lower clock after minutes of load) from a slower mesh: if the probe takes longer too, so does
 * everything else, whatever the mesh does.
 */
export function machineSpeedProbeMs(): number {
  const block = Buffer.alloc(1024, 7);
  const started = performance.now();
  let digest = block;
  for (let n = 0; n < 20_000; n++) digest = createHash('sha256').update(block).update(digest).digest();
  return performance.now() - started;
}
