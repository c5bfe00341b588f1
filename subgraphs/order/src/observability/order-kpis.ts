import { Gauge, Histogram, type Registry } from 'prom-client';
import { WORKFLOW_BUCKETS, consumerBacklogOf, readRegisteredGauge, type Logger } from '@mesh/server-kit';
import type { SalesChannel } from '../__generated__/schema-types.js';
import type { OrderModels } from '../models/index.js';

/** The oldest PENDING order's age gauge (trackOldestPendingOrder). */
const OLDEST_PENDING_ORDER_AGE = 'mesh_kpi_oldest_pending_order_age_seconds';

/** What request-time code reports to, and reads from, the order domain's KPIs (OrderRuntime.kpis). */
export interface OrderKpis {
  /** A return was received and refunded (once per return). */
  returnRefunded(channel: SalesChannel, requestedAt: Date): void;
  /** The oldest PENDING order's age as last measured, seconds (LiveKpis). */
  oldestPendingOrderAgeSeconds(): Promise<number>;
  /** Events the order domain's consumers in this process have not handled yet (LiveKpis). */
  consumerBacklog(): Promise<number>;
}

/** mesh_kpi_return_to_refund_seconds{channel}: from a return being requested to its refund; and the readers of the registry's KPIs. */
export function createOrderKpis(registry: Registry): OrderKpis {
  const returnToRefund = new Histogram({
    name: 'mesh_kpi_return_to_refund_seconds',
    help: 'KPI: from a return being requested to its goods being received and refunded',
    labelNames: ['channel'],
    buckets: [...WORKFLOW_BUCKETS, 86_400, 7 * 86_400, 30 * 86_400],
    registers: [registry],
  });
  return {
    returnRefunded: (channel, requestedAt) => returnToRefund.observe({ channel }, Math.max(0, (Date.now() - requestedAt.getTime()) / 1000)),
    oldestPendingOrderAgeSeconds: () => readRegisteredGauge(registry, OLDEST_PENDING_ORDER_AGE),
    consumerBacklog: () => consumerBacklogOf(registry),
  };
}

/**
 * mesh_kpi_oldest_pending_order_age_seconds: how long the oldest order still PENDING (placed while
 * inventory could not decide) has waited, 0 when none waits. Measured every `intervalMs` with one
 * query on the { status, placedAt } index, never on a scrape: scrapes (and the tests that count
 * database commands through /metrics) cause no database work.
 */
export function trackOldestPendingOrder(registry: Registry, models: OrderModels, options: { intervalMs: number; logger: Logger }): { stop(): void } {
  const gauge = new Gauge({
    name: OLDEST_PENDING_ORDER_AGE,
    help: 'KPI: age of the oldest order still PENDING a stock decision (0 when none)',
    registers: [registry],
  });
  const measure = async () => {
    try {
      const oldest = await models.orders.findOne({ status: 'PENDING' }, { placedAt: 1 }).sort({ status: 1, placedAt: 1 }).lean();
      gauge.set(oldest ? Math.max(0, (Date.now() - oldest.placedAt.getTime()) / 1000) : 0);
    } catch (error) {
      options.logger.warn({ err: error }, 'could not measure the oldest PENDING order');
    }
  };
  void measure();
  const timer = setInterval(() => void measure(), options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
