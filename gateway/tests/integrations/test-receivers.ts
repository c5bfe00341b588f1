import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DELIVERY_HEADERS } from '@mesh/integration-subgraph';

/** How a receiver answers: take every delivery, refuse every event's first attempt and take its second (half of all requests fail, 503), or never answer. */
export type ReceiverMode = 'ok' | 'every-other-fails' | 'hang';

/** One delivery a receiver accepted (answered 2xx), as it arrived. */
export interface ReceivedDelivery {
  readonly eventId: string;
  readonly topic: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly attempt: number;
  readonly rawBody: string;
  readonly envelope: { id: string; type: string; occurredAt: string; data: Record<string, unknown> };
  readonly receivedAt: number;
}

/** A real HTTP subscriber on an ephemeral port, as a WMS or CRM would run one. */
export interface TestReceiver {
  readonly url: string;
  mode: ReceiverMode;
  readonly accepted: ReceivedDelivery[];
  /** Requests seen, accepted or not. */
  requests: number;
  close(): Promise<void>;
}

export async function startReceiver(mode: ReceiverMode): Promise<TestReceiver> {
  const hanging = new Set<ServerResponse>();
  const seen = new Map<string, number>();
  const receiver: TestReceiver = {
    url: '',
    mode,
    accepted: [],
    requests: 0,
    close: async () => {},
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      receiver.requests += 1;
      if (receiver.mode === 'hang') {
        hanging.add(res);
        return;
      }
      const eventId = String(req.headers['x-mesh-event-id']);
      seen.set(eventId, (seen.get(eventId) ?? 0) + 1);
      if (receiver.mode === 'every-other-fails' && (seen.get(eventId) ?? 0) % 2 === 1) {
        res.writeHead(503).end('try again');
        return;
      }
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
      receiver.accepted.push({
        eventId: header(DELIVERY_HEADERS.eventId) ?? '',
        topic: header(DELIVERY_HEADERS.topic) ?? '',
        timestamp: header(DELIVERY_HEADERS.timestamp),
        signature: header(DELIVERY_HEADERS.signature),
        attempt: Number(header(DELIVERY_HEADERS.attempt)),
        rawBody,
        envelope: JSON.parse(rawBody) as ReceivedDelivery['envelope'],
        receivedAt: Date.now(),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/events`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
