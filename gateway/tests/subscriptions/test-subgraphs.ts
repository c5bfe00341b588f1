import { EventEmitter, on } from 'node:events';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import {
  GatewayCredentialVerifier,
  createHttpHandler,
  createLogger,
  createRequestIdentity,
  createServiceMetrics,
  createSubgraphApollo,
  createSubgraphSchema,
  badUserInput,
  forbidden,
  listen,
  secretKey,
  serveSubgraphSubscriptions,
  type RequestContext,
  type SubgraphDefinition,
} from '@mesh/server-kit';

// Three tiny subgraphs with the names the gateway knows. `inventory` owns the subscription and
// the StockTick entity; `product` and `order` contribute fields to it, so every event needs the
// rest of the plan. Each runs the server-kit's own HTTP + graphql-ws serving, minus a database.

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';

/** Where the test pushes stock ticks; the inventory subgraph's subscription reads from it. */
export const ticks = new EventEmitter();
ticks.setMaxListeners(1000);

export interface Tick {
  readonly sku: string;
  readonly available: number;
  /** The customer record the tick belongs to (customerTicks delivers it to that customer only). */
  readonly customerId?: string;
}

/** Every tick in the order published: tickUpdates follows the domains' cursor convention over it (cursor n = the n-th tick). */
const journal: Tick[] = [];
const journaled = new EventEmitter();
journaled.setMaxListeners(1000);
ticks.on('tick', (tick: Tick) => {
  journal.push(tick);
  journaled.emit('update', journal.length);
});

/** Upstream subscriptions open on tickUpdates: what the gateway's grouping is counted by. */
export const tickUpdateSubscriptions = () => journaled.listenerCount('update');

interface TickUpdate {
  readonly cursor: string;
  readonly kind: 'SNAPSHOT' | 'CHANGE';
  readonly sku: string;
  readonly available: number;
}

const changeAt = (position: number): TickUpdate => ({
  cursor: String(position),
  kind: 'CHANGE',
  sku: journal[position - 1]!.sku,
  available: journal[position - 1]!.available,
});

/** A snapshot (the SKU's latest tick) or a replay after a cursor, then live changes with no gap: the listener is attached before the journal is read. */
async function* tickUpdates(sku: string, after: string | null | undefined, snapshot: boolean): AsyncGenerator<TickUpdate> {
  const live = on(journaled, 'update');
  try {
    const position = journal.length;
    if (after !== null && after !== undefined) {
      const from = Number(after);
      if (!Number.isInteger(from) || from < 0 || from > position) throw badUserInput('The cursor was never issued', { argument: 'after' });
      for (let at = from + 1; at <= position; at++) if (journal[at - 1]!.sku === sku) yield changeAt(at);
    } else if (snapshot) {
      const latest = journal.findLastIndex((tick) => tick.sku === sku);
      if (latest >= 0) yield { ...changeAt(latest + 1), cursor: String(position), kind: 'SNAPSHOT' };
    }
    for await (const [at] of live) if ((at as number) > position && journal[(at as number) - 1]!.sku === sku) yield changeAt(at as number);
  } finally {
    await live.return?.();
  }
}

async function* ticksFor(sku: string | undefined, signal?: AbortSignal): AsyncGenerator<Tick> {
  for await (const [tick] of on(ticks, 'tick', signal ? { signal } : {})) {
    if (sku === undefined || (tick as Tick).sku === sku) yield tick as Tick;
  }
}

export const inventory = {
  name: 'inventory',
  typeDefs: `${LINK}
    type Query { "Test." tickCount: Int! }
    type Subscription {
      "Every stock tick for one SKU."
      stockTicks(sku: String!): StockTick!
      "Stock ticks for signed-in callers only."
      guardedTicks: StockTick!
      "Ticks of the caller's own customer record only (a per-customer filter, as orderStatusChanged has)."
      customerTicks: StockTick!
      "Ticks of one SKU with the domains' cursor convention: a snapshot or a replay after a cursor first, then changes."
      tickUpdates(sku: String!, after: String, snapshot: Boolean = false): TickUpdate!
    }
    "A tick with its position in the journal."
    type TickUpdate {
      "Opaque position: resume after it with tickUpdates(after:)."
      cursor: String!
      "SNAPSHOT or CHANGE."
      kind: String!
      "SKU."
      sku: String!
      "Units available."
      available: Int!
    }
    "A change of available stock."
    type StockTick @key(fields: "sku") {
      "SKU."
      sku: String!
      "Units available after the change."
      available: Int!
      "The role the subscription ran as in this subgraph."
      watcher: String!
      "The customer record the tick belongs to."
      owner: String
    }`,
  resolvers: {
    Query: { tickCount: () => ticks.listenerCount('tick') },
    Subscription: {
      stockTicks: {
        subscribe: (_: unknown, args: { sku: string }) => ticksFor(args.sku),
        resolve: (tick: Tick) => tick,
      },
      guardedTicks: {
        subscribe: (_: unknown, _args: unknown, context: RequestContext) => {
          if (context.principal.role === 'anonymous') throw forbidden('Sign in to watch these ticks');
          return ticksFor(undefined);
        },
        resolve: (tick: Tick) => tick,
      },
      customerTicks: {
        subscribe: async function* (_: unknown, _args: unknown, context: RequestContext) {
          if (!context.principal.customerId) throw forbidden('Only customers watch their own ticks');
          for await (const tick of ticksFor(undefined)) if (tick.customerId === context.principal.customerId) yield tick;
        },
        resolve: (tick: Tick) => tick,
      },
      tickUpdates: {
        subscribe: (_: unknown, args: { sku: string; after?: string | null; snapshot: boolean }) => tickUpdates(args.sku, args.after, args.snapshot),
        resolve: (update: TickUpdate) => update,
      },
    },
    StockTick: {
      __resolveReference: (ref: { sku: string }) => ({ sku: ref.sku, available: -1 }),
      owner: (tick: Tick) => tick.customerId ?? null,
      watcher: (_tick: Tick, _args: unknown, context: RequestContext) => context.principal.role,
    },
  },
};

/** How often the product subgraph resolved a productName: once per event per upstream group, however many subscribers share it. */
export const productNameResolutions = { count: 0 };

export const product = {
  name: 'product',
  typeDefs: `${LINK}
    type Query { "Test." productPing: Boolean }
    "A change of available stock."
    type StockTick @key(fields: "sku") {
      sku: String!
      "The product's name."
      productName: String!
      "Another tick of the same SKU (for depth tests)."
      similar: StockTick
      "A string of this many bytes (large events for the slow-consumer tests)."
      padding(bytes: Int!): String!
    }`,
  resolvers: {
    StockTick: {
      __resolveReference: (ref: { sku: string }) => ({ sku: ref.sku }),
      productName: (tick: { sku: string }) => {
        productNameResolutions.count += 1;
        return `Product ${tick.sku}`;
      },
      similar: (tick: { sku: string }) => ({ sku: tick.sku }),
      padding: (_tick: unknown, args: { bytes: number }) => 'x'.repeat(args.bytes),
    },
  },
};

/** Open orders per SKU, as the order subgraph reports them. */
export const openOrders = new Map<string, number>();

export const order = {
  name: 'order',
  typeDefs: `${LINK}
    type Query { "Test." orderPing: Boolean }
    "A change of available stock."
    type StockTick @key(fields: "sku") {
      sku: String!
      "Open orders for the SKU."
      openOrders: Int!
      "The role the gateway forwarded for this entity fetch."
      seenBy: String!
    }`,
  resolvers: {
    StockTick: {
      __resolveReference: (ref: { sku: string }) => ({ sku: ref.sku }),
      openOrders: (tick: { sku: string }) => openOrders.get(tick.sku) ?? 0,
      seenBy: (_tick: unknown, _args: unknown, context: RequestContext) => context.principal.role,
    },
  },
};

export const TEST_SUBGRAPHS = [inventory, product, order] as const;

export function composeTestSupergraph(urls: Readonly<Record<string, string>>, subgraphs: readonly SubgraphDefinition[] = TEST_SUBGRAPHS): string {
  const result = composeServices(subgraphs.map(({ name, typeDefs }) => ({ name, typeDefs: parse(typeDefs), url: urls[name] ?? '' })));
  if (result.errors) throw new Error(result.errors.map((error) => error.message).join('\n'));
  return result.supergraphSdl;
}

export interface RunningTestSubgraph {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves a test subgraph over HTTP and graphql-ws exactly as startSubgraphService does, without a database. */
export async function startTestSubgraphServer(definition: SubgraphDefinition, internalSecret: string, port = 0): Promise<RunningTestSubgraph> {
  const logger = createLogger(`${definition.name}-test-subgraph`, { LOG_LEVEL: 'silent' });
  const schema = createSubgraphSchema(definition);
  const apollo = createSubgraphApollo<RequestContext>(definition, logger, schema);
  await apollo.start();
  const verifier = new GatewayCredentialVerifier(secretKey(internalSecret));
  const identify = createRequestIdentity(verifier, logger);
  const http = await listen(
    createHttpHandler<RequestContext>({ apollo, context: ({ req }) => identify(req), metrics: createServiceMetrics(`${definition.name}-test`) }),
    port,
  );
  const subscriptions = schema.getSubscriptionType()
    ? serveSubgraphSubscriptions({ server: http.server, schema, verifier, logger, createContext: (base) => base, keepAliveMs: 1000 })
    : undefined;
  return {
    url: http.url,
    port: http.port,
    async close() {
      await subscriptions?.close();
      await http.close();
      await apollo.stop();
    },
  };
}
