import { readInt, type Environment } from '@mesh/server-kit';

/** The store-hours domain's own settings, read once at start. */
export interface StoreHoursSettings {
  /** Pause between passes of the job that reopens stores whose closure ended (HOURS_REOPEN_SWEEP_MS, default 60 s). */
  readonly reopenSweepMs: number;
}

export function readStoreHoursSettings(env: Environment): StoreHoursSettings {
  return { reopenSweepMs: readInt(env, 'HOURS_REOPEN_SWEEP_MS', 60_000, { min: 10 }) };
}
