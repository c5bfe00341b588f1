/**
 * A throwaway mesh for the tracing benches: a temporary folder, the small seeded history, and a
 * preload that lets a CPU-profiled Node process end normally on SIGTERM (the gateway has no SIGTERM
 * handler, and --cpu-prof writes its profile only on a normal exit).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startMesh, type RunningMesh } from '@mesh/mesh-runner';
import { principals } from '@mesh/test-kit';
import { signDevToken } from '@mesh/gateway';

export interface ProfilableMesh {
  readonly mesh: RunningMesh;
  /** The temporary folder holding the mesh's data; removed by `stop`. */
  readonly dataDir: string;
  /** `--import` this URL in a profiled process so that SIGTERM ends it normally. */
  readonly exitOnSigtermUrl: string;
  stop(): Promise<void>;
}

export async function startProfilableMesh(name: string): Promise<ProfilableMesh> {
  const dataDir = await mkdtemp(join(tmpdir(), `${name}-`));
  const exitOnSigterm = join(dataDir, 'exit-on-sigterm.mjs');
  await writeFile(exitOnSigterm, "process.once('SIGTERM', () => process.exit(0));\n");
  const mesh = await startMesh({
    persistent: false,
    dataDir: join(dataDir, 'mesh'),
    env: { NODE_ENV: 'test', LOG_LEVEL: 'error' },
    log: () => {},
    history: { size: 'small', adminToken: () => signDevToken(principals.admin) },
  });
  return {
    mesh,
    dataDir,
    exitOnSigtermUrl: pathToFileURL(exitOnSigterm).href,
    async stop() {
      await mesh.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
