import { readBoolean } from './config.js';

/**
 * DataLoader options every subgraph's per-request loaders share (structurally a subset of
 * DataLoader.Options, so the kit does not depend on dataloader). MESH_DATALOADER_BATCH=false
 * turns batching off, for benchmarks only: each key then loads with its own database command,
 * which is how the N+1 benchmark shows what batching saves. Keys are still cached per request.
 */
export interface SharedLoaderOptions {
  readonly batch: boolean;
}

const BATCH_VARIABLE = 'MESH_DATALOADER_BATCH';
let fromProcessEnv: SharedLoaderOptions | undefined;

/** Read once per process from its environment (the loaders are built per request); pass `env` to read another. */
export function loaderOptions(env?: Readonly<Record<string, string | undefined>>): SharedLoaderOptions {
  if (env) return { batch: readBoolean(env, BATCH_VARIABLE, true) };
  fromProcessEnv ??= { batch: readBoolean(process.env, BATCH_VARIABLE, true) };
  return fromProcessEnv;
}
