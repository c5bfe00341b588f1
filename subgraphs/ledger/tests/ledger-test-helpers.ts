import { startSubgraphTestBed, type SubgraphTestBed } from '@mesh/test-kit';
import { createLedgerModels, type LedgerModels, type LedgerSubgraph } from '../src/module.js';

export { dbCommands } from '@mesh/test-kit';

/** The error code of the first GraphQL error, if any. */
export function firstCode(response: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }): unknown {
  return response.errors?.[0]?.extensions?.['code'];
}

export interface MoneyJson {
  readonly amount: string;
  readonly minorUnits: string;
  readonly currency: string;
}

/** A ledger subgraph on its own database, with its models, for one test file. */
export interface LedgerTestBed extends SubgraphTestBed {
  readonly models: LedgerModels;
}

export async function startLedgerTestBed(module: LedgerSubgraph): Promise<LedgerTestBed> {
  const bed = await startSubgraphTestBed(module);
  return { ...bed, models: createLedgerModels(bed.subgraph.connection) };
}
