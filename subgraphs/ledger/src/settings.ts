import { readOptionalString } from '@mesh/server-kit';

/** The ledger's own settings, beside the kit's SubgraphConfig; parsed once, frozen. */
export interface LedgerSettings {
  /**
   * The order subgraph's GraphQL endpoint (ORDER_URL): reconciliation reads the order domain's own
   * payments of the day from it. Without it reconciliation falls back to the ledger's records of
   * the order events (and cannot see a consumer that never received them).
   */
  readonly orderUrl: string | undefined;
}

export function readLedgerSettings(env: Readonly<Record<string, string | undefined>> = process.env): LedgerSettings {
  return Object.freeze({ orderUrl: readOptionalString(env, 'ORDER_URL') });
}
