import { Histogram, type Registry } from 'prom-client';
import type { AnyEnvelope } from '@mesh/events';
import { KPI_LATENCY_BUCKETS, WORKFLOW_BUCKETS } from '@mesh/server-kit';
import type { LedgerTopic } from './handle-ledger-event.js';

/** What the ledger's consumers report once an event is recorded, for the finance KPIs. */
export interface LedgerKpis {
  /** Called once per event the ledger recorded (not for a redelivery it skipped). */
  recorded(envelope: AnyEnvelope<LedgerTopic>): void;
}

/** The order posting latency histogram's name (read back for Query.liveKpis). */
export const ORDER_PLACED_TO_LEDGER = 'mesh_kpi_order_placed_to_ledger_seconds';

/**
 * The ledger's KPIs, by sales channel (a fixed enum):
 * - mesh_kpi_order_placed_to_ledger_seconds: from an order being placed to the ledger recording it;
 * - mesh_kpi_capture_to_posting_seconds: from a payment being captured to its journal entry.
 */
export function createLedgerKpis(registry: Registry): LedgerKpis {
  const placedToLedger = new Histogram({
    name: ORDER_PLACED_TO_LEDGER,
    help: 'KPI: from an order being placed (order.order-placed occurredAt) to the ledger recording it',
    labelNames: ['channel'],
    buckets: KPI_LATENCY_BUCKETS,
    registers: [registry],
  });
  const captureToPosting = new Histogram({
    name: 'mesh_kpi_capture_to_posting_seconds',
    help: 'KPI: from a payment being captured (order.payment-captured occurredAt) to its journal entry',
    labelNames: ['channel'],
    buckets: WORKFLOW_BUCKETS,
    registers: [registry],
  });
  const since = (envelope: AnyEnvelope) => Math.max(0, (Date.now() - Date.parse(envelope.occurredAt)) / 1000);
  return {
    recorded(envelope) {
      if (envelope.type === 'order.order-placed') placedToLedger.observe({ channel: envelope.data.channel }, since(envelope));
      if (envelope.type === 'order.payment-captured') captureToPosting.observe({ channel: envelope.data.channel }, since(envelope));
    },
  };
}
