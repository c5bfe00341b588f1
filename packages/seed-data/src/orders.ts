import { type SeededRandom, pad } from './random.js';
import type { Channel, Currency, FulfillmentType, SeedCustomer, SeedLocation, SeedOrder, SeedOrderLine, SeedReturnPlan, SeedVariant } from './types.js';

export const ORDER_COUNT = 5000;
/** Sales tax (US) or VAT (EU), charged on top of the shelf price. */
export const TAX_RATE_BASIS_POINTS: Readonly<Record<Currency, number>> = { USD: 800, EUR: 2000 };

export function taxOf(amountMinor: number, currency: Currency): number {
  return Math.round((amountMinor * TAX_RATE_BASIS_POINTS[currency]) / 10_000);
}

const CHANNELS = [
  ['WEB', 40],
  ['APP', 20],
  ['POS', 25],
  ['MARKETPLACE', 10],
  ['CLIENTELING', 5],
] as const;

/**
 * The history plan: orders placed over the year before the epoch; most completed, some cancelled.
 * Nothing loads these directly: the history driver replays them through the workflows.
 */
export function generateOrders(
  random: SeededRandom,
  epoch: Date,
  customers: readonly SeedCustomer[],
  variants: readonly SeedVariant[],
  locations: readonly SeedLocation[],
): SeedOrder[] {
  const orders: SeedOrder[] = [];
  const placedTimes = Array.from({ length: ORDER_COUNT }, () => epoch.getTime() - random.int(1, 365 * 24 * 60) * 60_000).sort((a, b) => a - b);
  placedTimes.forEach((placedMs, offset) => {
    const index = offset + 1;
    const customer = random.pick(customers);
    const channel: Channel = random.weighted(CHANNELS);
    const regional = locations.filter((location) => location.region === customer.region);
    const stores = regional.filter((location) => location.type === 'STORE');
    const warehouses = regional.filter((location) => location.type !== 'STORE');
    const { type, locationId } = chooseFulfillment(random, channel, stores, warehouses);
    const currency = regional[0]?.currency ?? 'USD';
    const lines = chooseLines(random, variants, currency);
    const subtotalMinor = lines.reduce((sum, line) => sum + line.unitPriceMinor * line.quantity, 0);
    const taxMinor = lines.reduce((sum, line) => sum + line.taxMinor, 0);
    const totalMinor = subtotalMinor + taxMinor;
    // A till sale is never cancelled (a voided sale is never uploaded); the draw is kept so the stream does not shift.
    const cancelled = random.next() < 0.05 && channel !== 'POS';
    const placedAt = new Date(placedMs);
    const at = (minutes: number) => new Date(placedMs + minutes * 60_000);
    const id = `ord_${pad(index, 5)}`;
    orders.push({
      id,
      number: `R-${100000 + index}`,
      idempotencyKey: `seed-order-${pad(index, 5)}`,
      correlationId: `seed-${id}`,
      channel,
      status: cancelled ? 'CANCELLED' : 'COMPLETED',
      customerId: customer.id,
      currency,
      fulfillment: { type, locationId },
      lines,
      totals: { subtotalMinor, taxMinor, totalMinor },
      payment: cancelled
        ? { authorizedMinor: totalMinor, capturedMinor: 0, refundedMinor: 0 }
        : { authorizedMinor: totalMinor, capturedMinor: totalMinor, refundedMinor: 0 },
      placedAt,
      statusHistory: cancelled
        ? [
            { status: 'PLACED', at: placedAt },
            { status: 'CONFIRMED', at: at(1) },
            { status: 'CANCELLED', at: at(90), reason: 'Customer cancelled before fulfilment' },
          ]
        : fulfilledHistory(type, placedAt, at),
    });
  });
  return orders;
}

function chooseFulfillment(
  random: SeededRandom,
  channel: Channel,
  stores: readonly SeedLocation[],
  warehouses: readonly SeedLocation[],
): { type: FulfillmentType; locationId: string } {
  if (channel === 'POS') return { type: 'CARRY_OUT', locationId: random.pick(stores).id };
  if (channel === 'CLIENTELING') return { type: 'SHIP_FROM_STORE', locationId: random.pick(stores).id };
  if ((channel === 'WEB' || channel === 'APP') && random.next() < 0.2) {
    return { type: 'PICKUP_IN_STORE', locationId: random.pick(stores).id };
  }
  return { type: 'SHIP', locationId: random.pick(warehouses).id };
}

function chooseLines(random: SeededRandom, variants: readonly SeedVariant[], currency: Currency): SeedOrderLine[] {
  const count = random.weighted([
    [1, 55],
    [2, 30],
    [3, 15],
  ] as const);
  const chosen = new Map<string, SeedVariant>();
  while (chosen.size < count) {
    const variant = random.pick(variants);
    chosen.set(variant.sku, variant);
  }
  return [...chosen.values()].map((variant) => {
    const quantity = random.weighted([
      [1, 70],
      [2, 22],
      [3, 8],
    ] as const);
    const unitPriceMinor = variant.prices.find((price) => price.currency === currency)?.amountMinor ?? 0;
    const taxMinor = taxOf(unitPriceMinor * quantity, currency);
    return { sku: variant.sku, quantity, unitPriceMinor, taxMinor, lineTotalMinor: unitPriceMinor * quantity + taxMinor };
  });
}

function fulfilledHistory(type: FulfillmentType, placedAt: Date, at: (minutes: number) => Date): SeedOrder['statusHistory'] {
  if (type === 'CARRY_OUT') {
    return [
      { status: 'PLACED', at: placedAt },
      { status: 'CONFIRMED', at: placedAt },
      { status: 'COMPLETED', at: placedAt },
    ];
  }
  if (type === 'PICKUP_IN_STORE') {
    return [
      { status: 'PLACED', at: placedAt },
      { status: 'CONFIRMED', at: at(1) },
      { status: 'READY_FOR_PICKUP', at: at(240) },
      { status: 'PICKED_UP', at: at(1500) },
      { status: 'COMPLETED', at: at(1500) },
    ];
  }
  return [
    { status: 'PLACED', at: placedAt },
    { status: 'CONFIRMED', at: at(1) },
    { status: 'SHIPPED', at: at(720) },
    { status: 'COMPLETED', at: at(4320) },
  ];
}

/** When a completed order was captured and its stock left the building: its last status change. */
export function completedAt(order: SeedOrder): Date {
  return order.statusHistory.at(-1)?.at ?? order.placedAt;
}

const RETURN_REASONS = [
  ['DOES_NOT_FIT', 40],
  ['CHANGED_MIND', 30],
  ['DEFECTIVE', 20],
  ['NOT_AS_DESCRIBED', 10],
] as const;

/**
 * Adds the after-sale part of the plan to completed non-till orders (till sales are uploaded with
 * their past time, so their return window has closed): about 6% are returned (half of them fully,
 * the others one unit of their first line), about 1% get a goodwill refund of 5% of the total.
 * Uses its own random stream, so the orders themselves do not change.
 */
export function planAftercare(random: SeededRandom, orders: SeedOrder[]): void {
  for (const order of orders) {
    if (order.status !== 'COMPLETED' || order.channel === 'POS') continue;
    const roll = random.next();
    if (roll < 0.06) {
      const full = random.next() < 0.5;
      const lines: SeedReturnPlan['lines'] = full
        ? order.lines.map((line, index) => ({ lineNumber: index + 1, quantity: line.quantity }))
        : [{ lineNumber: 1, quantity: 1 }];
      order.returnPlan = { reason: random.weighted(RETURN_REASONS), lines, disposition: random.next() < 0.8 ? 'SELLABLE' : 'DAMAGED' };
    } else if (roll < 0.07) {
      order.goodwillRefundMinor = Math.max(1, Math.floor(order.totals.totalMinor / 20));
    }
  }
}
