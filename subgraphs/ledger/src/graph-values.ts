import type { DeadLetter } from '@mesh/events';
import { badUserInput, identifier, type CurrencyCode } from '@mesh/server-kit';
import type { JournalLineRecord } from './models/journal-entry.model.js';

/** An entity owned by another subgraph, known here only by its key. */
export interface EntityRef {
  readonly id: string;
}

/** A journal line as the graph serves it: the stored line plus its entry's currency. */
export interface JournalLineValue extends JournalLineRecord {
  readonly currency: CurrencyCode;
}

/** The key of an entity representation, checked: `_Any` lets a caller send any JSON as `id`. */
export function referenceId(value: unknown): string {
  if (typeof value !== 'string') throw badUserInput('representation id must be a string', { argument: 'representations' });
  return identifier(value, 'representations.id');
}

/** A dead letter of any consumer of the mesh, as the bus lists it. */
export type DeadLetterValue = DeadLetter;
