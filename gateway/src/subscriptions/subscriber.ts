import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { ExecutionResult, FormattedExecutionResult } from 'graphql-ws';
import { meshError } from '@mesh/server-kit';
import { EventChannel } from './event-channel.js';
import type { WriteCoalescer } from './write-coalescer.js';

// Why: the events of a shared subscription are serialised once per group; each client socket
// gets those bytes spliced after its own graphql-ws `next` header (the subscription id differs
// per socket), written straight to the socket so that no subscriber waits for another (several
// in one turn leave in one system call: write-coalescer.ts). Only the last result (an error) and
// the completion go through graphql-ws, after every write.

/** The JSON that ends a shared `next` message after the payload: the message object's brace. */
const MESSAGE_END = '}';

/** Serialises one result once for every subscriber of a group: the payload and the closing brace of the `next` message. */
export function sharedPayload(result: FormattedExecutionResult): Buffer {
  return Buffer.from(JSON.stringify(result) + MESSAGE_END);
}

/** A client's socket as a subscriber writes to it. */
export interface SubscriberSocket {
  readonly socket: WebSocket;
  /** The network stream under `socket` (the upgraded HTTP connection), corked by `coalescer`. */
  readonly stream: Duplex;
  readonly coalescer: WriteCoalescer;
}

export class Subscriber {
  /** What graphql-ws iterates for this subscription: only a final error result, then the end. */
  readonly results: EventChannel<ExecutionResult>;
  private readonly header: Buffer;
  private unflushed = 0;
  private readonly flushed = () => {
    this.unflushed -= 1;
  };

  /**
   * @param out the client's socket, written to directly
   * @param id the client's subscription id, named in each `next` message
   * @param maxUnflushed messages written but not yet flushed to the network before SLOW_CONSUMER ends the subscription
   * @param onLeave run once when the subscription ends for any reason (client complete, socket closed, slow, upstream end)
   */
  constructor(
    private readonly out: SubscriberSocket,
    id: string,
    private readonly maxUnflushed: number,
    onLeave: (subscriber: Subscriber) => void,
  ) {
    this.header = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
    this.results = new EventChannel<ExecutionResult>(
      1,
      () => onLeave(this),
      () => slowConsumer(),
    );
  }

  /** Writes one shared payload (from sharedPayload) as this subscription's `next` message, or ends a reader too far behind. */
  write(payload: Buffer): void {
    if (this.unflushed >= this.maxUnflushed) return this.finish(slowConsumer());
    const message = Buffer.allocUnsafe(this.header.length + payload.length);
    this.header.copy(message, 0);
    payload.copy(message, this.header.length);
    this.unflushed += 1;
    this.out.coalescer.beforeWrite(this.out.stream);
    this.out.socket.send(message, { binary: false }, this.flushed);
  }

  /** Ends the subscription: graphql-ws sends `last` (when given) after every message written, then `complete`. */
  finish(last?: ExecutionResult): void {
    if (last) this.results.push(last);
    this.results.end();
  }
}

function slowConsumer(): ExecutionResult {
  return { errors: [meshError('SLOW_CONSUMER', 'Events arrived faster than this client read them; resubscribe')] };
}
