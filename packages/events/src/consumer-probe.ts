import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Domain } from './payloads/common.payloads.js';
import { streamNameOf } from './jetstream-bus.js';

/** Reads how far a durable consumer is behind its domain's stream (for tests and operations tools). */
export interface ConsumerProbe {
  /** Events of `domain` not yet delivered to `consumer`, plus those delivered and not yet acknowledged. */
  backlog(consumer: string, domain: Domain): Promise<number>;
  close(): Promise<void>;
}

/**
 * Connects a probe to NATS. A consumer whose backlog is 0 has settled every event published
 * before the call, including the ones its handler skipped without a trace of its own.
 */
export async function openConsumerProbe(servers: string): Promise<ConsumerProbe> {
  const nc = await connect({ servers, name: 'consumer-probe' });
  const jsm = await jetstreamManager(nc);
  return {
    async backlog(consumer, domain) {
      const info = await jsm.consumers.info(streamNameOf(domain), consumer);
      return info.num_pending + info.num_ack_pending;
    },
    close: () => nc.close(),
  };
}
