import { isDuplicateKey } from '@mesh/events';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One document per job in the service's `job_leases` collection: who may run the job now, and
 * until when. A holder that stops renewing (crashed, partitioned) loses it at `expiresAt`.
 */
export interface JobLeaseRecord {
  /** The job's name. */
  _id: string;
  holder: string;
  expiresAt: Date;
  renewedAt: Date;
}

const leaseSchema = new Schema<JobLeaseRecord>(
  {
    _id: { type: String, required: true },
    holder: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    renewedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'job_leases' },
);

function leaseModel(connection: Connection): Model<JobLeaseRecord> {
  return (connection.models['JobLease'] as Model<JobLeaseRecord> | undefined) ?? connection.model<JobLeaseRecord>('JobLease', leaseSchema);
}

/** Default lease length: far above a database round trip, short enough that a crashed holder is replaced soon. */
export const DEFAULT_LEASE_TTL_MS = 30_000;

export interface JobLeaseOptions {
  /** The job: one lease document (`_id`) per job, shared by every replica of the service. */
  readonly job: string;
  /** How long the lease lasts without renewal. Default 30 s; renewed every third of it while work runs. */
  readonly ttlMs?: number;
  /** Who asks; default `<host>:<pid>:<random>`, unique per lease object (two in one process compete too). */
  readonly holder?: string;
}

/** What `runExclusive` did: ran the work, or found the lease held by another holder. */
export type ExclusiveRun<T> = { readonly ran: true; readonly value: T } | { readonly ran: false; readonly holder: string | null };

/**
 * A job that must not run twice at once across replicas (one NATS, one database). Valid on
 * MongoDB 7 and the embedded server alike: taking the lease is one guarded upsert on the job's
 * `_id` (free, expired or already mine), and a competing insert fails on the `_id` index, so of
 * any number of concurrent takers exactly one wins. Clocks: each holder dates its lease with its
 * own clock, so the TTL must exceed the replicas' clock skew by far (NTP keeps it in milliseconds).
 */
export interface JobLease {
  readonly job: string;
  readonly holder: string;
  /** Takes the lease when free or expired, or renews it when this holder has it. True when held now. */
  tryAcquire(): Promise<boolean>;
  /** Gives the lease up at once (if this holder has it), so another replica need not wait for its expiry. */
  release(): Promise<void>;
  /**
   * Runs `work` if the lease can be taken, renewing it every third of the TTL while `work` runs and
   * releasing it after. `signal` aborts when a renewal finds the lease lost (or cannot be written):
   * the work should stop at its next safe point. Resolves `{ ran: false }` at once when held elsewhere.
   */
  runExclusive<T>(work: (signal: AbortSignal) => Promise<T>): Promise<ExclusiveRun<T>>;
  /**
   * Waits until the lease can be taken (asking every `pollMs`, default 250 ms), then runs `work` as
   * `runExclusive` does: for start-up steps every replica must see finished before it serves (seeding).
   */
  runWhenFree<T>(work: (signal: AbortSignal) => Promise<T>, options?: { readonly pollMs?: number }): Promise<T>;
}

export function createJobLease(connection: Connection, options: JobLeaseOptions): JobLease {
  const model = leaseModel(connection);
  const { job } = options;
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  if (!(ttlMs > 0)) throw new RangeError('ttlMs must be positive');
  const holder = options.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  async function tryAcquire(): Promise<boolean> {
    const now = new Date();
    try {
      const taken = await model
        .findOneAndUpdate(
          { _id: job, $or: [{ expiresAt: { $lt: now } }, { holder }] },
          { $set: { holder, expiresAt: new Date(now.getTime() + ttlMs), renewedAt: now } },
          { upsert: true, returnDocument: 'after' },
        )
        .lean<JobLeaseRecord>();
      return taken?.holder === holder;
    } catch (error) {
      // Held by another and not expired: the filter missed, so the upsert tried to insert a second `_id`.
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async function release(): Promise<void> {
    await model.updateOne({ _id: job, holder }, { $set: { expiresAt: new Date(0) } });
  }

  async function holderNow(): Promise<string | null> {
    const found = await model.findById(job).lean<JobLeaseRecord>();
    return found && found.expiresAt.getTime() > Date.now() ? found.holder : null;
  }

  async function runHeld<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const lost = new AbortController();
    let renewing: Promise<void> = Promise.resolve();
    const heartbeat = setInterval(
      () => {
        renewing = renewing
          .then(tryAcquire)
          .then((held) => {
            if (!held) lost.abort(new Error(`lease ${job} was taken over`));
          })
          .catch((error: unknown) => lost.abort(error));
      },
      Math.max(1, Math.floor(ttlMs / 3)),
    );
    heartbeat.unref();
    try {
      return await work(lost.signal);
    } finally {
      clearInterval(heartbeat);
      await renewing;
      // A release that cannot be written (database gone) costs others only the wait until expiry.
      await release().catch(() => undefined);
    }
  }

  return {
    job,
    holder,
    tryAcquire,
    release,
    async runExclusive(work) {
      if (!(await tryAcquire())) return { ran: false, holder: await holderNow() };
      return { ran: true, value: await runHeld(work) };
    },
    async runWhenFree(work, waitOptions = {}) {
      const pollMs = waitOptions.pollMs ?? 250;
      while (!(await tryAcquire())) await new Promise((resolve) => setTimeout(resolve, pollMs));
      return runHeld(work);
    },
  };
}
