import assert from 'node:assert/strict';
import { principals } from '@mesh/test-kit';
import type { GatewayQuery } from '../mesh-fixture.js';

// The checks an ERP would make of a closed day's journal export: per account it equals the day's
// movement in the trial balance, and the debits, the credits and the control total agree.

/** Debits and credits per account code. */
export type Totals = Map<string, { debit: bigint; credit: bigint }>;
interface MoneyJson {
  minorUnits: string;
}

export const JOURNAL_EXPORT = `query($date: String!, $currency: CurrencyCode!) { journalExport(date: $date, currency: $currency) { batchId controlTotal { minorUnits } lines { account { code } debit { minorUnits } credit { minorUnits } } csv json } }`;
export interface JournalExportJson {
  batchId: string;
  controlTotal: MoneyJson;
  lines: { account: { code: string }; debit: MoneyJson; credit: MoneyJson }[];
  csv: string;
  json: string;
}

/** The closed day's export through the gateway (as an analyst). */
export async function journalExport(mesh: GatewayQuery, date: string, currency = 'USD'): Promise<JournalExportJson> {
  const response = await mesh.query<{ journalExport: JournalExportJson }, { date: string; currency: string }>(
    JOURNAL_EXPORT,
    { date, currency },
    principals.analyst,
  );
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!.journalExport;
}

/** Per account, what the (balanced) trial balance moved in [start, end). */
export async function trialMovement(mesh: GatewayQuery, start: Date, end: Date, currency = 'USD'): Promise<Totals> {
  const TRIAL = `query($asOf: DateTime!, $currency: CurrencyCode!) { trialBalance(asOf: $asOf, currency: $currency) { balanced lines { account { code } debit { minorUnits } credit { minorUnits } } } }`;
  const at = async (asOf: Date) => {
    type Trial = { trialBalance: { balanced: boolean; lines: { account: { code: string }; debit: MoneyJson; credit: MoneyJson }[] } };
    const response = await mesh.query<Trial, { asOf: string; currency: string }>(TRIAL, { asOf: asOf.toISOString(), currency }, principals.analyst);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const { trialBalance } = response.data!;
    assert.equal(trialBalance.balanced, true, `the trial balance at ${asOf.toISOString()} balances`);
    return new Map(trialBalance.lines.map((line) => [line.account.code, { debit: BigInt(line.debit.minorUnits), credit: BigInt(line.credit.minorUnits) }]));
  };
  const [before, after] = [await at(new Date(start.getTime() - 1)), await at(new Date(end.getTime() - 1))];
  const moved: Totals = new Map();
  for (const [code, total] of after) {
    const earlier = before.get(code) ?? { debit: 0n, credit: 0n };
    if (total.debit !== earlier.debit || total.credit !== earlier.credit)
      moved.set(code, { debit: total.debit - earlier.debit, credit: total.credit - earlier.credit });
  }
  return moved;
}

/** The export's lines summed per account. */
export function perAccount(lines: JournalExportJson['lines']): Totals {
  const totals: Totals = new Map();
  for (const line of lines) {
    const sum = totals.get(line.account.code) ?? { debit: 0n, credit: 0n };
    totals.set(line.account.code, { debit: sum.debit + BigInt(line.debit.minorUnits), credit: sum.credit + BigInt(line.credit.minorUnits) });
  }
  return totals;
}

/** The sums of all debits and all credits. */
export function sides(totals: Totals): { debit: bigint; credit: bigint } {
  let [debit, credit] = [0n, 0n];
  for (const total of totals.values()) [debit, credit] = [debit + total.debit, credit + total.credit];
  return { debit, credit };
}

/** Exact decimal text of minor units, as settlement files and the export's CSV write amounts (e.g. -12.05). */
export const decimal = (minor: bigint): string =>
  `${minor < 0n ? '-' : ''}${(minor < 0n ? -minor : minor) / 100n}.${String((minor < 0n ? -minor : minor) % 100n).padStart(2, '0')}`;
