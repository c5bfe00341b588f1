/**
 * The retail query mix the gateway benchmarks send: a product detail page, a customer page and a
 * regional stock check, with the fixtures (products, customers, locations, SKUs) picked from the
 * seeded mesh at scenario start. Shared by scenario 1 (gateway engine) and scenario 2
 * (federation overhead).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayClient } from '@mesh/mesh-runner';
import { retailDataset } from '@mesh/seed-data';

/** Product detail page: the product, its variants, their prices and their stock at every location asked. */
export const PRODUCT_PAGE = `query ProductPage($id: ID!, $locationIds: [ID!]) {
  product(id: $id) {
    id name description brand category
    variants {
      sku name
      attributes { name value }
      prices { amount minorUnits currency }
      availability(locationIds: $locationIds) {
        sku available
        levels { location { id code name region } onHand reserved inTransit safetyStock available }
      }
    }
  }
}`;

/** Customer page: the profile and the newest orders, each with its lines and their products. */
export const CUSTOMER_PAGE = `query CustomerPage($id: ID!, $orders: Int!) {
  customer(id: $id) {
    id name email phone loyaltyTier region piiMasked
    identities { kind value }
    orders(first: $orders) {
      totalCount
      edges {
        node {
          id number channel status currency placedAt
          totals { subtotal { amount currency } tax { amount currency } total { amount currency } }
          lines {
            lineNumber quantity
            unitPrice { amount currency }
            lineTotal { amount currency }
            variant { sku name product { id name brand } }
          }
        }
      }
    }
  }
}`;

/**
 * Regional stock check: many SKUs (name from the product subgraph) and their stock at the
 * locations of one region (inventory), as a store associate's stock screen asks it.
 */
export const REGION_AVAILABILITY = `query RegionAvailability($skus: [ID!]!, $locationIds: [ID!]) {
  variants(skus: $skus) {
    sku name
    availability(locationIds: $locationIds) {
      sku available
      levels { location { id code } onHand reserved available }
    }
  }
}`;

export type RetailOperation = 'ProductPage' | 'CustomerPage' | 'RegionAvailability';

/** The page sizes the issue names: availability at 25 locations, 20 orders, 50 SKUs. */
export const RETAIL_PAGE_SIZES = { locations: 25, orders: 20, skus: 50 } as const;

export const productPageVariables = (productId: string, locationIds: readonly string[]) => ({ id: productId, locationIds });
export const customerPageVariables = (customerId: string, orders: number = RETAIL_PAGE_SIZES.orders) => ({ id: customerId, orders });
export const regionAvailabilityVariables = (skus: readonly string[], locationIds: readonly string[]) => ({ skus, locationIds });

export interface RegionFixture {
  readonly region: string;
  readonly locationIds: readonly string[];
  readonly skus: readonly string[];
}

/** What the mix is asked about, picked from the running mesh. */
export interface RetailFixtures {
  /** Products with the most variants first. */
  readonly productIds: readonly string[];
  /** The locations a product page shows stock at (RETAIL_PAGE_SIZES.locations of them). */
  readonly productPageLocationIds: readonly string[];
  readonly regions: readonly RegionFixture[];
  /** Customers with the most orders in the seeded history first. */
  readonly customerIds: readonly string[];
}

export interface FixtureCounts {
  readonly products: number;
  readonly customers: number;
  /** Regional stock checks: regions in turn (largest first), each with its own set of SKUs. */
  readonly regionChecks: number;
}

/** One request body of the mix, ready to POST. */
export interface RetailBody {
  readonly operation: RetailOperation;
  /** Which fixture it asks about, e.g. prod_0001. */
  readonly subject: string;
  readonly body: string;
}

const body = (operationName: RetailOperation, query: string, variables: Record<string, unknown>) => JSON.stringify({ operationName, query, variables });

export const productPageBody = (productId: string, locationIds: readonly string[]): RetailBody => ({
  operation: 'ProductPage',
  subject: productId,
  body: body('ProductPage', PRODUCT_PAGE, productPageVariables(productId, locationIds)),
});
export const customerPageBody = (customerId: string): RetailBody => ({
  operation: 'CustomerPage',
  subject: customerId,
  body: body('CustomerPage', CUSTOMER_PAGE, customerPageVariables(customerId)),
});
export const regionAvailabilityBody = (region: RegionFixture): RetailBody => ({
  operation: 'RegionAvailability',
  subject: `${region.region} from ${region.skus[0] ?? ''}`,
  body: body('RegionAvailability', REGION_AVAILABILITY, regionAvailabilityVariables(region.skus, region.locationIds)),
});

/**
 * The mix as request bodies, interleaved (product, customer, region, product, ...) so that every
 * connection sends each operation equally often, rotating through the fixtures.
 */
export function retailMixBodies(fixtures: RetailFixtures): RetailBody[] {
  const products = fixtures.productIds.map((id) => productPageBody(id, fixtures.productPageLocationIds));
  const customers = fixtures.customerIds.map(customerPageBody);
  const regions = fixtures.regions.map(regionAvailabilityBody);
  const rounds = Math.max(products.length, customers.length, regions.length);
  const bodies: RetailBody[] = [];
  for (let index = 0; index < rounds; index++) {
    for (const list of [products, customers, regions]) if (list.length > 0) bodies.push(list[index % list.length]!);
  }
  return bodies;
}

interface LocationsData {
  locations: { id: string; region: string }[];
}
interface ProductsData {
  products: { edges: { node: { id: string; variants: { sku: string }[] } }[] };
}
interface OrdersPage {
  orders: { edges: { node: { customer: { id: string } | null } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

/** Picks the mix's fixtures from the mesh (as an admin: the customer ranking reads every order). */
export async function discoverRetailFixtures(client: GatewayClient, counts: FixtureCounts): Promise<RetailFixtures> {
  const { locations } = await client.request<LocationsData>('benchLocations', '{ locations { id region } }');
  if (locations.length < RETAIL_PAGE_SIZES.locations) {
    throw new Error(`the product page shows stock at ${RETAIL_PAGE_SIZES.locations} locations, the mesh has ${locations.length}`);
  }
  const byRegion = new Map<string, string[]>();
  for (const location of locations) byRegion.set(location.region, [...(byRegion.get(location.region) ?? []), location.id]);
  const regionNames = [...byRegion.keys()].sort((a, b) => byRegion.get(b)!.length - byRegion.get(a)!.length || a.localeCompare(b));

  const { products } = await client.request<ProductsData>('benchProducts', '{ products(first: 100) { edges { node { id variants { sku } } } } }');
  const nodes = products.edges.map((edge) => edge.node);
  const richest = [...nodes].sort((a, b) => b.variants.length - a.variants.length || a.id.localeCompare(b.id));
  const skus = nodes.flatMap((node) => node.variants.map((variant) => variant.sku));
  if (skus.length < RETAIL_PAGE_SIZES.skus) throw new Error(`the regional stock check asks for ${RETAIL_PAGE_SIZES.skus} SKUs, found ${skus.length}`);
  // Each check takes the next 50 SKUs of the catalog (wrapping around), so the checks differ.
  const regions = Array.from({ length: counts.regionChecks }, (_, index) => {
    const region = regionNames[index % regionNames.length]!;
    const start = (index * RETAIL_PAGE_SIZES.skus) % skus.length;
    return { region, locationIds: byRegion.get(region)!, skus: [...skus, ...skus].slice(start, start + RETAIL_PAGE_SIZES.skus) };
  });

  return {
    productIds: richest.slice(0, counts.products).map((node) => node.id),
    productPageLocationIds: locations.slice(0, RETAIL_PAGE_SIZES.locations).map((location) => location.id),
    regions,
    customerIds: await customersWithMostOrders(client, counts.customers),
  };
}

/** Customers ranked by their orders in the seeded history (ties by id); topped up from the customer list. */
async function customersWithMostOrders(client: GatewayClient, count: number): Promise<string[]> {
  const orders = new Map<string, number>();
  let after: string | null = null;
  for (let page = 0; page < 20; page++) {
    const data: OrdersPage = await client.request<OrdersPage>(
      'benchOrderCustomers',
      'query($after: String) { orders(first: 100, after: $after) { edges { node { customer { id } } } pageInfo { hasNextPage endCursor } } }',
      { after },
    );
    for (const edge of data.orders.edges) if (edge.node.customer) orders.set(edge.node.customer.id, (orders.get(edge.node.customer.id) ?? 0) + 1);
    if (!data.orders.pageInfo.hasNextPage) break;
    after = data.orders.pageInfo.endCursor;
  }
  const ranked = [...orders].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([id]) => id);
  if (ranked.length < count) {
    const listed = await client.request<{ customers: { edges: { node: { id: string } }[] } }>(
      'benchCustomers',
      '{ customers(first: 50) { edges { node { id } } } }',
    );
    for (const edge of listed.customers.edges) if (!ranked.includes(edge.node.id)) ranked.push(edge.node.id);
  }
  return ranked.slice(0, count);
}

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { __typename ... on OrderPlaced { order { id status } } ... on OrderRejected { order { id status } } } }`;
const UNDECIDED = new Set(['PLACED', 'PENDING']);

/**
 * Places orders (through the gateway, as an admin) for every customer that has fewer than
 * `ordersEach`, copying lines and fulfilment from the seeded order plan, one unit per line, and
 * waits until inventory decided every one, so the customer page reads settled data. Answers
 * how many it placed.
 */
export async function ensureCustomerOrders(client: GatewayClient, customerIds: readonly string[], ordersEach: number, runKey: string): Promise<number> {
  const templates = retailDataset().orders.filter((order) => order.channel !== 'POS');
  const toPlace: { customerId: string; index: number }[] = [];
  for (const customerId of customerIds) {
    const data = await client.request<{ customer: { orders: { totalCount: number } | null } | null }>(
      'benchCustomerOrderCount',
      'query($id: ID!) { customer(id: $id) { orders(first: 1) { totalCount } } }',
      { id: customerId },
    );
    const have = data.customer?.orders?.totalCount ?? 0;
    for (let index = have; index < ordersEach; index++) toPlace.push({ customerId, index });
  }
  const placed: { id: string; status: string }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < toPlace.length) {
      const job = toPlace[next++]!;
      const template = templates[(customerIds.indexOf(job.customerId) * ordersEach + job.index) % templates.length]!;
      const data = await client.request<{ placeOrder: { order: { id: string; status: string } } }>('benchPlaceOrder', PLACE, {
        input: {
          idempotencyKey: `bench:${runKey}:${job.customerId}:${job.index}`,
          channel: template.channel,
          customerId: job.customerId,
          currency: template.currency,
          lines: template.lines.map((line) => ({ sku: line.sku, quantity: 1 })),
          fulfillment: { type: template.fulfillment.type, locationId: template.fulfillment.locationId },
        },
      });
      placed.push(data.placeOrder.order);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const deadline = Date.now() + 120_000;
  let undecided = placed.filter((order) => UNDECIDED.has(order.status)).map((order) => order.id);
  while (undecided.length > 0) {
    if (Date.now() > deadline) throw new Error(`${undecided.length} orders placed for the customer page are still undecided after 2 minutes`);
    await sleep(250);
    const statuses = await Promise.all(
      undecided.map((id) => client.request<{ order: { status: string } | null }>('benchOrderStatus', 'query($id: ID!) { order(id: $id) { status } }', { id })),
    );
    undecided = undecided.filter((_, index) => UNDECIDED.has(statuses[index]?.order?.status ?? 'PLACED'));
  }
  return placed.length;
}

/** Shape checks on one answer of the mix: the page sizes the issue names really came back. */
export function checkRetailAnswer(item: RetailBody, data: unknown): void {
  const fail = (why: string) => {
    throw new Error(`${item.operation} for ${item.subject}: ${why}`);
  };
  const record = data as Record<string, unknown> | null;
  if (item.operation === 'ProductPage') {
    const product = record?.['product'] as { variants: { availability: { levels: unknown[] } | null }[] } | null;
    if (!product || product.variants.length === 0) return fail('no product or no variants');
    for (const variant of product.variants) {
      if (variant.availability?.levels.length !== RETAIL_PAGE_SIZES.locations)
        fail(`availability at ${variant.availability?.levels.length ?? 0} locations, not ${RETAIL_PAGE_SIZES.locations}`);
    }
  } else if (item.operation === 'CustomerPage') {
    const customer = record?.['customer'] as { orders: { edges: { node: { lines: unknown[] } }[] } | null } | null;
    const orders = customer?.orders?.edges.length ?? 0;
    if (orders !== RETAIL_PAGE_SIZES.orders) fail(`${orders} orders, not ${RETAIL_PAGE_SIZES.orders}`);
    if (customer?.orders?.edges.some((edge) => edge.node.lines.length === 0)) fail('an order without lines');
  } else {
    const variants = record?.['variants'] as ({ availability: unknown } | null)[] | undefined;
    if (variants?.length !== RETAIL_PAGE_SIZES.skus || variants.some((variant) => !variant?.availability))
      fail(`not ${RETAIL_PAGE_SIZES.skus} SKUs with availability`);
  }
}
