import { Gauge, type Registry } from 'prom-client';
import type { OrderModels } from './models/index.js';

/**
 * mesh_kpi_oldest_pending_order_age_seconds: how long the oldest order still PENDING (placed while
 * inventory could not decide) has waited, 0 when none waits. Read at each scrape with one query
 * on the { status, placedAt } index.
 */
export function trackOldestPendingOrder(registry: Registry, models: OrderModels): void {
  new Gauge({
    name: 'mesh_kpi_oldest_pending_order_age_seconds',
    help: 'KPI: age of the oldest order still PENDING a stock decision (0 when none)',
    registers: [registry],
    async collect() {
      const oldest = await models.orders.findOne({ status: 'PENDING' }, { placedAt: 1 }).sort({ status: 1, placedAt: 1 }).lean();
      this.set(oldest ? Math.max(0, (Date.now() - oldest.placedAt.getTime()) / 1000) : 0);
    },
  });
}
