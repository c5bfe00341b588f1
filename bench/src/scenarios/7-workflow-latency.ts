/**
 * Scenario 7, workflow latency (the retailer's KPIs) under a steady order load: order placed ->
 * ledger caught up, and stock movement -> availability pushed to a graphql-ws subscriber. First at
 * the target rate; when the mesh cannot keep up, once more at a rate it sustains.
 */
import { principals } from '@mesh/test-kit';
import { BenchClient } from '../lib/bench-client.js';
import { AGREEMENT_TOLERANCE, compareKpi, kpiDeltasSince, readKpiHistograms, type KpiAgreement } from '../lib/kpi-agreement.js';
import { watchAvailability, waitUntil } from '../lib/live-availability.js';
import { benchCustomers, catalogSkus, runKey, type OrderRequest } from '../lib/orders.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/scenario.js';
import { ensureAvailable, recordMovement } from '../lib/stock.js';
import { runWorkflowPhase, type PhaseOutcome } from '../lib/workflow-phase.js';
import { agreementRatios, agreementTable, kpiRatios, kpis, kpiTable, loadTable, movementBreakdown, orderBreakdown } from './7-workflow-latency/report.js';

const ORDER_LOCATION = 'loc_wh_ca';
const MOVEMENT_LOCATION = 'loc_wh_tx';
const SIZES = {
  tiny: { targetRate: 5, seconds: 4, sustainedSeconds: 0, movementsPerSecond: 2, traceSample: 20 },
  full: { targetRate: 50, seconds: 10, sustainedSeconds: 20, movementsPerSecond: 5, traceSample: 1000 },
} as const;

export const workflowLatency: Scenario = {
  id: '7',
  title: 'Workflow latency: order placed to ledger, stock movement to availability pushed',
  async run(context: BenchContext): Promise<ScenarioResult> {
    const size = SIZES[context.size];
    const token = await context.bearerFor(principals.admin);
    const client = new BenchClient(context.mesh.gatewayUrl, token);
    const customers = benchCustomers();
    const skus = catalogSkus().slice(0, 1000);
    const movementSkus = skus.slice(0, 100);
    const key = runKey('s7');

    // Every ordered SKU can confirm (one order each per phase); the receipts need no stock.
    await ensureAvailable(client, skus, ORDER_LOCATION, 3, key);
    const watch = await watchAvailability(context.mesh.gatewayUrl, token, skus, [ORDER_LOCATION, MOVEMENT_LOCATION]);
    const notes: string[] = [];
    const phases: PhaseOutcome[] = [];
    const agreements = new Map<PhaseOutcome, readonly KpiAgreement[]>();
    try {
      // A probe per subscription (200 SKUs each) and the movement SKUs: every one must be live.
      const probes = [
        ...Array.from({ length: Math.ceil(skus.length / 200) }, (_, index) => ({ sku: skus[index * 200]!, locationId: ORDER_LOCATION })),
        { sku: movementSkus[0]!, locationId: MOVEMENT_LOCATION },
      ];
      const probeSent = Date.now();
      for (const [index, probe] of probes.entries())
        await recordMovement(client, { ...probe, type: 'RECEIPT', quantity: 1, idempotencyKey: `${key}-probe-${index}` });
      await waitUntil(
        () =>
          probes.every((probe) =>
            watch.arrivals.some((arrival) => arrival.sku === probe.sku && arrival.locationId === probe.locationId && arrival.receivedAt >= probeSent),
          ),
        20_000,
        'availabilityChanged did not deliver the probe receipts',
      );

      let skuCursor = 0;
      const ordersFor = (label: string, count: number): OrderRequest[] =>
        Array.from({ length: count }, (_, index) => ({
          idempotencyKey: `${key}-${label}-${index}`,
          sku: skus[skuCursor++ % skus.length]!,
          locationId: ORDER_LOCATION,
          currency: 'USD' as const,
          customerId: customers[index % customers.length]!,
        }));
      const phase = async (label: string, rate: number, seconds: number) => {
        const metricsBefore = await readKpiHistograms(context.mesh.subgraphUrls);
        const outcome = await runWorkflowPhase(client, watch.arrivals, {
          label,
          ordersPerSecond: rate,
          seconds,
          orders: ordersFor(label, Math.round(rate * seconds)),
          movementsPerSecond: size.movementsPerSecond,
          movementSkus,
          movementLocation: MOVEMENT_LOCATION,
          keyPrefix: `${key}-${label}`,
          traceSample: size.traceSample,
        });
        phases.push(outcome);
        const deltas = await kpiDeltasSince(context.mesh.subgraphUrls, metricsBefore, outcome.decided.length, 30_000);
        const compared = [
          compareKpi('ledger', deltas.ledger, kpis(outcome).ledgerValues),
          compareKpi('availability', deltas.availability, outcome.availabilityPublishMs),
        ];
        agreements.set(outcome, compared);
        const kpi = kpis(outcome);
        context.log(
          `${label}: offered ${outcome.offeredPerSecond.toFixed(1)}/s, decided ${outcome.decidedPerSecond.toFixed(1)}/s; placed->ledger p99 ${Math.round(kpi.ledger.p99)} ms, movement->push p99 ${Math.round(kpi.movement.p99)} ms; ` +
            compared
              .map(
                (entry) =>
                  `${entry.key} metrics/bench mean ${entry.ratios.mean.toFixed(2)} p50 ${entry.ratios.p50.toFixed(2)} p99 ${entry.ratios.p99.toFixed(2)}`,
              )
              .join(', '),
        );
        return outcome;
      };

      const atTarget = await phase('target', size.targetRate, size.seconds);
      // Below 90 % of the target the mesh fell behind (a growing backlog); measure again at ~70 % of what it decided.
      if (size.sustainedSeconds > 0 && atTarget.decidedPerSecond < 0.9 * size.targetRate) {
        const sustainable = Math.max(1, Math.floor(atTarget.decidedPerSecond * 0.7));
        notes.push(
          `At the target rate the mesh decided only ${atTarget.decidedPerSecond.toFixed(1)} orders/s (a backlog built up, so latencies there grow with the run's length); the second phase offers ${sustainable} orders/s, about 70 % of that.`,
        );
        await phase('sustainable', sustainable, size.sustainedSeconds);
      }
      if (watch.errors.length > 0) throw new Error(`availabilityChanged failed during the run: ${watch.errors.join('; ')}`);
    } finally {
      await watch.close();
    }

    for (const outcome of phases) {
      const rejected = outcome.decided.filter((order) => order.status === 'REJECTED').length;
      if (outcome.failedOrders > 0)
        notes.push(
          `${outcome.plan.label}: ${outcome.failedOrders} placeOrder call(s) got SUBGRAPH_TIMEOUT from the gateway on all 3 attempts (same idempotency key): the order service could not answer under this load; they are left out of the numbers.`,
        );
      if (rejected > 0) notes.push(`${outcome.plan.label}: ${rejected} order(s) REJECTED although every SKU had stock.`);
      if (outcome.ledgerMissing > 0)
        notes.push(
          `${outcome.plan.label}: ${outcome.ledgerMissing} sampled trace(s) still lacked the ledger's steps 60 s after the load (left out of the KPI).`,
        );
      if (outcome.movementsUnpushed + outcome.reservationsUnpushed > 0) {
        notes.push(
          `${outcome.plan.label}: ${outcome.movementsUnpushed} receipt(s) and ${outcome.reservationsUnpushed} reservation(s) never reached the subscriber (left out of the push latencies).`,
        );
      }
    }
    if (phases.some((outcome) => outcome.traced.length === 0 || outcome.movementPushMs.length === 0))
      throw new Error('scenario 7 measured no ledger or push latency in a phase');

    return {
      id: '7',
      title: workflowLatency.title,
      method:
        `Single-unit WEB orders (SHIP from ${ORDER_LOCATION}, each on its own SKU) are placed through the gateway open-loop at a steady rate ` +
        `(target ${size.targetRate}/s for ${size.seconds} s; when the mesh decides fewer than 90 % of that, again at ~70 % of what it decided), while ` +
        `one-unit RECEIPTs are recorded at ${size.movementsPerSecond}/s at ${MOVEMENT_LOCATION}; one graphql-ws client at the gateway watches availabilityChanged for ` +
        `every SKU involved. (a) Order placed -> ledger: from the order's server-side placedAt to the ledger's trace steps (Query.trace(correlationId)) ` +
        `showing its consumer finished order.order-placed (a web order posts no journal entry before it is shipped and its payment captured: ` +
        `what the ledger writes at placement is the order summary reconciliation checks; since 2026-12-03 the ledger acknowledges status changes that move no goods without handling them, ` +
        `so the decision's status change is no longer part of this span). ` +
        `(b) Stock movement -> availability pushed: recordStockMovement's send time to the change arriving at the subscriber; ` +
        `also placeOrder's send time to its reservation arriving. Timestamps: server-side placedAt/statusHistory/trace steps, client Date.now() for sends and arrivals (one machine, one clock).`,
      tables: [
        loadTable(phases),
        kpiTable(phases),
        agreementTable(phases, agreements),
        ...phases.flatMap((outcome) => [orderBreakdown(outcome), movementBreakdown(outcome)]),
      ],
      ratios: phases.flatMap((outcome) => [...kpiRatios(outcome), ...agreementRatios(outcome, agreements.get(outcome) ?? [])]),
      notes: [
        ...notes,
        'KPI targets (issue): both p99 under 100 ms at 50 orders/s. The "ratios" rows of this scenario are the p99 values in ms against that target, one per phase.',
        'Orders and receipts come from the runner process (not pinned to the load core); the load is a few dozen requests per second.',
        'Trace step instants: "event published" is recorded by the outbox relay after the broker acknowledged the event, so a consumer may show it handled a few ms earlier; "event handled" is when the consumer finished; a journal entry\'s postedAt is the instant of the event that caused it, not when the ledger wrote it.',
        `KPI metrics vs the bench: each phase reads mesh_kpi_order_placed_to_ledger_seconds (ledger) and mesh_kpi_stock_movement_to_availability_seconds (inventory) from the services' /metrics before and after it (after: once the ledger histogram counted every decided order, at most 30 s), and sets the delta beside the same span measured here from traces: ` +
          `(a) the order's placedAt -> the ledger's "event handled order.order-placed" step (every order of the phase, at the full size: the population the metric observes); (c) the change's own instant (the pushed availabilityChanged.at) -> inventory's "event published inventory.availability-changed" step (traced orders' reservations and traced receipts). ` +
          `The metrics' mean is exact (_sum/_count over every observation of the phase); their p50/p99 are linear interpolations inside the bucket holding the rank (as PromQL histogram_quantile), on buckets about 20 % apart below 1 s; the bench's are nearest-rank over its sample. ` +
          `They agree when every ratio metrics/bench is within 1 ± ${AGREEMENT_TOLERANCE}; with few samples (the tiny size) p99 is the slowest one or two observations and the ratio is noisy.`,
        'Service settings are the defaults (order relay polls every 1000 ms but is poked after each write; inventory relay every 250 ms, poked after a change; EVENT_CONCURRENCY 16).',
      ],
    };
  },
};
