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
    }
    "A change of available stock."
    type StockTick @key(fields: "sku") {
      "SKU."
      sku: String!
      "Units available after the change."
      available: Int!
      "The role the subscription ran as in this subgraph."
      watcher: String!
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
    },
    StockTick: {
      __resolveReference: (ref: { sku: string }) => ({ sku: ref.sku, available: -1 }),
      watcher: (_tick: Tick, _args: unknown, context: RequestContext) => context.principal.role,
    },
  },
};

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
    }`,
  resolvers: {
    StockTick: {
      __resolveReference: (ref: { sku: string }) => ({ sku: ref.sku }),
      productName: (tick: { sku: string }) => `Product ${tick.sku}`,
      similar: (tick: { sku: string }) => ({ sku: tick.sku }),
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
export async function startTestSubgraphServer(
  definition: SubgraphDefinition,
  internalSecret: string,
  port = 0,
): Promise<RunningTestSubgraph> {
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
