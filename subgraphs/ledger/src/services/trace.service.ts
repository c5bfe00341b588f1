import { readEventTrail, trailSteps } from '@mesh/events';
import { badUserInput } from '@mesh/server-kit';
import type { TraceDomain } from '../__generated__/schema-types.js';
import type { LedgerModels } from '../models/index.js';

/** One trace step as the ledger serves it. */
export interface TraceStepValue {
  readonly at: Date;
  readonly domain: TraceDomain;
  readonly kind: string;
  readonly summary: string;
  readonly reference: string | null;
}

/** A step as another subgraph sent it through `@requires` (`at` arrives as a DateTime string). */
export interface TraceStepInput {
  readonly at: Date | string;
  readonly domain: TraceDomain;
  readonly kind: string;
  readonly summary: string;
  readonly reference?: string | null;
}

/** The Trace entity here: its key, plus the other domains' steps once the gateway resolved them. */
export interface TraceValue {
  readonly correlationId: string;
  readonly inventorySteps?: readonly TraceStepInput[] | null;
  readonly orderSteps?: readonly TraceStepInput[] | null;
  readonly customerSteps?: readonly TraceStepInput[] | null;
}

/** Most entries read per source (journal, consumer log); a workflow has far fewer. */
const TRACE_LIMIT = 500;

/** The ledger's steps of a workflow: its consumers' handled events and the journal entries carrying the correlation id. */
export async function readLedgerTraceSteps(models: LedgerModels, correlationId: string): Promise<TraceStepValue[]> {
  const [trail, entries] = await Promise.all([
    readEventTrail({ processedEvents: models.processedEvents }, correlationId, TRACE_LIMIT),
    models.entries
      .find({ correlationId }, { postedAt: 1, memo: 1, source: 1, reversalOf: 1, currency: 1 })
      .sort({ postedAt: 1, _id: 1 })
      .limit(TRACE_LIMIT)
      .lean(),
  ]);
  return [
    ...trailSteps(trail).map((step) => ({ ...step, domain: 'LEDGER' as const })),
    ...entries.map((entry) => ({
      at: entry.postedAt,
      domain: 'LEDGER' as const,
      kind: entry.reversalOf ? 'journal entry reversed' : 'journal entry posted',
      summary: `${entry.memo} (${entry.source.type} ${entry.source.id}, ${entry.currency})${entry.reversalOf ? `, reversing ${entry.reversalOf}` : ''}`,
      reference: entry._id,
    })),
  ];
}

const DOMAIN_ORDER: readonly TraceDomain[] = ['PRODUCT', 'INVENTORY', 'ORDER', 'CUSTOMER', 'LEDGER'];

/**
 * Merges every domain's steps into one list in time order. Steps at the same instant are ordered
 * by domain (PRODUCT, INVENTORY, ORDER, CUSTOMER, LEDGER), then kind, reference and summary, so
 * the same input always gives the same order whatever order the lists came in.
 * Throws BAD_USER_INPUT for a step whose `at` is not a date.
 */
export function mergeTraceSteps(lists: readonly (readonly TraceStepInput[] | null | undefined)[]): TraceStepValue[] {
  const steps = lists
    .flatMap((list) => list ?? [])
    .map((step): TraceStepValue => {
      const at = step.at instanceof Date ? step.at : new Date(step.at);
      if (Number.isNaN(at.getTime())) throw badUserInput('a trace step has an invalid at', { argument: 'representations' });
      return { at, domain: step.domain, kind: step.kind, summary: step.summary, reference: step.reference ?? null };
    });
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return steps.sort(
    (a, b) =>
      a.at.getTime() - b.at.getTime() ||
      DOMAIN_ORDER.indexOf(a.domain) - DOMAIN_ORDER.indexOf(b.domain) ||
      text(a.kind, b.kind) ||
      text(a.reference ?? '', b.reference ?? '') ||
      text(a.summary, b.summary),
  );
}
