import type { Duplex } from 'node:stream';

// Why: in a burst the gateway falls behind its upstream, and several events (of one group or of
// several) reach the same client socket within one turn of the event loop. Each message is then
// its own write system call, which is most of what a delivery costs. The first message a socket
// gets in a turn still goes out at once (no added latency when events come one at a time); from
// the second on, the socket is corked and the rest of the turn's messages leave in one writev
// when the turn's callbacks are done.

export class WriteCoalescer {
  /** Sockets written in this turn: false after the first message (sent at once), true once corked. */
  private readonly turn = new Map<Duplex, boolean>();
  private scheduled = false;

  /** Call right before writing a message to `stream` (the socket under a client's WebSocket). */
  beforeWrite(stream: Duplex): void {
    const corked = this.turn.get(stream);
    if (corked === true) return;
    if (corked === false) {
      stream.cork();
      this.turn.set(stream, true);
      return;
    }
    this.turn.set(stream, false);
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.endTurn);
    }
  }

  private readonly endTurn = (): void => {
    this.scheduled = false;
    const written = [...this.turn];
    this.turn.clear();
    for (const [stream, corked] of written) if (corked) stream.uncork();
  };
}
