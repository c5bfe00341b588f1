import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, on } from 'node:events';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  GATEWAY_CREDENTIAL_HEADER,
  GatewayCredentialVerifier,
  SUBGRAPH_SOCKET_CLOSE,
  SUBSCRIPTION_EXTENSION_KEYS,
  createLogger,
  createSubgraphSchema,
  listen,
  secretKey,
  serveSubgraphSubscriptions,
  signGatewayCredential,
  type RequestContext,
  type RunningHttpService,
  type SubgraphSubscriptionServer,
} from '../src/index.js';

const secret = secretKey('a-test-secret-that-is-long-enough-0123');
const events = new EventEmitter();
let http: RunningHttpService;
let subscriptions: SubgraphSubscriptionServer;

before(async () => {
  const schema = createSubgraphSchema({
    name: 'clock',
    typeDefs: `
      type Query { "Test." now: Int }
      type Subscription { "Ticks, with the role the subscription runs as." ticks: String! }`,
    resolvers: {
      Subscription: {
        ticks: {
          // events.on's iterator releases its listener as soon as it is returned, which an async
          // generator awaiting a source cannot do: event sources must be returnable at once.
          subscribe: () => on(events, 'tick'),
          resolve: ([n]: [number], _args: unknown, context: RequestContext) => `${n}:${context.principal.role}`,
        },
      },
    },
  });
  http = await listen(async (_req, res) => void res.end(), 0);
  subscriptions = serveSubgraphSubscriptions({
    server: http.server,
    schema,
    verifier: new GatewayCredentialVerifier(secret),
    logger: createLogger('clock', { LOG_LEVEL: 'silent' }),
    createContext: (base) => base,
  });
});
after(async () => {
  await http.close();
});

const url = () => http.url.replace(/^http/, 'ws');

test('a subgraph socket without the gateway credential in connection_init is closed with 4401', async () => {
  const code = await new Promise<number>((resolve) => {
    const client = createClient({
      url: url(),
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: () => {},
      on: { closed: (event) => resolve((event as { code: number }).code) },
    });
    void client;
  });
  assert.equal(code, SUBGRAPH_SOCKET_CLOSE.GatewayCredentialRequired);
});

test('a subscription runs as the principal its own credential names, and a subgraph shutdown closes the socket with 1001', async () => {
  let closedWith = 0;
  const client = createClient({
    url: url(),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: async () => ({ [GATEWAY_CREDENTIAL_HEADER]: await signGatewayCredential({ role: 'anonymous' }, secret) }),
    on: { closed: (event) => (closedWith = (event as { code: number }).code) },
  });
  const received: string[] = [];
  let ended: unknown;
  client.subscribe(
    {
      query: 'subscription { ticks }',
      extensions: { [SUBSCRIPTION_EXTENSION_KEYS.credential]: await signGatewayCredential({ role: 'associate', subject: 'a-1' }, secret) },
    },
    { next: (value) => void received.push((value.data as { ticks: string }).ticks), error: (error) => (ended = error), complete: () => (ended = 'complete') },
  );
  const deadline = Date.now() + 20_000; // patience: the socket and the subscription start asynchronously
  let n = 0;
  while (received.length === 0 && Date.now() < deadline) {
    events.emit('tick', n++);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.match(received[0] ?? '', /^\d+:associate$/);
  await subscriptions.close();
  // close() resolves once the server's side of the socket closed; the client learns it on its own
  // turn of the event loop, and ends the subscription then.
  const closing = Date.now() + 20_000;
  while (closedWith === 0 || ended === undefined) {
    if (Date.now() > closing) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(closedWith, SUBGRAPH_SOCKET_CLOSE.GoingAway);
  assert.equal(events.listenerCount('tick'), 0, 'the event source was returned');
  assert.ok(ended !== undefined);
  await client.dispose();
});
