import { connect, type NatsConnection } from '@nats-io/transport-node';

/**
 * Connects a long-lived mesh process to NATS: it reconnects for ever, 250 ms apart, and builds
 * no error objects ahead of need. By default the client creates two errors for every request (a
 * JetStream publish is one), capturing the caller's stack in case the request times out; in a
 * flash sale that was about 3% of the order process's CPU (the RequestError and TimeoutError
 * constructors), for errors almost never thrown. A request that times out still rejects with
 * the client's own error, which names what timed out.
 */
export function connectNats(options: { readonly servers: string | readonly string[]; readonly name?: string }): Promise<NatsConnection> {
  return connect({
    servers: typeof options.servers === 'string' ? options.servers : [...options.servers],
    ...(options.name ? { name: options.name } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    noAsyncTraces: true,
  });
}
