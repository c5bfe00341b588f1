import { nanos } from '@nats-io/transport-node';
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { DEAD_LETTER_STREAM, DEAD_LETTER_SUBJECTS } from './jetstream-dead-letters.js';
import type { JetStreamBusOptions } from './jetstream-bus.js';
import { DOMAINS, type Domain } from './payloads/common.payloads.js';

/** The bus options that shape the streams (retention, de-duplication, replicas). */
export type StreamOptions = Pick<JetStreamBusOptions, 'duplicateWindowMs' | 'maxAgeMs' | 'replicas'>;

/** How long the domain streams keep events unless configured (EVENT_RETENTION_HOURS): 72 hours. */
export const DEFAULT_EVENT_RETENTION_MS = 72 * 3600 * 1000;

/** The stream a domain's events are stored in: `EVENTS_<DOMAIN>`, subjects `<domain>.>`. */
export function streamNameOf(domain: Domain): string {
  return `EVENTS_${domain.toUpperCase()}`;
}

/**
 * How far a durable is behind its domain's stream: events not yet delivered to it plus those
 * delivered and not yet acknowledged. 0 means it settled every event published before the call,
 * the ones its handler skipped without a trace of its own included.
 */
export async function durableBacklog(jsm: JetStreamManager, domain: Domain, consumer: string): Promise<number> {
  const info = await jsm.consumers.info(streamNameOf(domain), consumer);
  return info.num_pending + info.num_ack_pending;
}

/** Creates or updates one file-backed stream per domain and the dead-letter stream. */
export async function ensureStreams(jsm: JetStreamManager, options: StreamOptions): Promise<void> {
  const common = {
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: options.replicas ?? 1,
    duplicate_window: nanos(options.duplicateWindowMs ?? 10 * 60_000),
  };
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_EVENT_RETENTION_MS;
  const streams: Partial<StreamConfig>[] = DOMAINS.map((domain) => ({
    ...common,
    name: streamNameOf(domain),
    subjects: [`${domain}.>`],
    max_age: nanos(maxAgeMs),
    // JetStream refuses a duplicate window longer than the retention.
    ...(maxAgeMs > 0 ? { duplicate_window: nanos(Math.min(maxAgeMs, options.duplicateWindowMs ?? 10 * 60_000)) } : {}),
  }));
  streams.push({ ...common, name: DEAD_LETTER_STREAM, subjects: [DEAD_LETTER_SUBJECTS], max_age: 0 });
  for (const config of streams) {
    const name = config.name!;
    try {
      await jsm.streams.info(name);
      await jsm.streams.update(name, config);
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
      await jsm.streams.add({ ...config, name });
    }
  }
}

/** Adds a durable, or updates the settings that may change when it already exists. */
export async function ensureConsumer(jsm: JetStreamManager, stream: string, config: Partial<ConsumerConfig> & { durable_name: string }): Promise<void> {
  try {
    await jsm.consumers.add(stream, config);
  } catch (error) {
    if (!(error instanceof JetStreamApiError) || error.code === JetStreamApiCodes.StreamNotFound) throw error;
    // The durable exists with other settings (a new deployment changed them): update what may
    // change; its filter too when the server takes a list of them (2.10 on, moving from one filter).
    const { ack_wait, max_deliver, max_ack_pending, description, filter_subjects } = config;
    await jsm.consumers.update(stream, config.durable_name, {
      ack_wait,
      max_deliver,
      max_ack_pending,
      description,
      ...(filter_subjects ? { filter_subjects, filter_subject: '' } : {}),
    });
  }
}
