import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '@mesh/server-kit';
import type { OrderModels } from './models/index.js';

/**
 * mesh_kpi_oldest_pending_order_age_seconds: how long the oldest order still PENDING (placed while
 * inventory could not decide) has waited, 0 when none waits. Measured every `intervalMs` with one
 * query on the { status, placedAt } index, never on a scrape: scrapes (and the tests that count
 * database commands through /metrics) cause no database work.
 */
export function trackOldestPendingOrder(registry: Registry, models: OrderModels, options: { intervalMs: number; logger: Logger }): { stop(): void } {
  const gauge = new Gauge({ name: 'mesh_kpi_oldest_pending_order_age_seconds', help: 'KPI: age of the oldest order still PENDING a stock decision (0 when none)', registers: [registry] });
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
