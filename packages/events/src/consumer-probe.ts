import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Domain } from './payloads/common.payloads.js';
import { durableBacklog } from './jetstream-bus.js';

/**
 * Reads how far any durable consumer is behind its domain's stream, from outside the service that
 * runs it (tests, operations tools); a bus reports its own durables with `consumerBacklog()`.
 */
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
    backlog: (consumer, domain) => durableBacklog(jsm, domain, consumer),
    close: () => nc.close(),
  };
}
