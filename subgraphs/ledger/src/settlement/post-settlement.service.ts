import { badUserInput, identifier, type CurrencyCode } from '@mesh/server-kit';
import { ACCOUNTS, credit, debit } from '../consumers/event-entries.js';
import type { LedgerModels } from '../models/index.js';
import type { JournalEntryRecord } from '../models/journal-entry.model.js';
import { postJournalEntry, type PostJournalEntryInput } from '../services/post-journal-entry.service.js';

/**
 * The accounts a settlement moves: fees and chargebacks are expenses (the money the provider kept or
 * took back leaves card clearing), the payout moves money from card clearing to the bank.
 */
export const SETTLEMENT_ACCOUNTS = { cash: '1000', clearing: ACCOUNTS.clearing, fees: '5200', chargebacks: '5300' } as const;

/** One amount of a settlement report: a fee the provider kept for a line, a chargeback it took back, or the payout to the bank. */
export interface SettlementAmount {
  /** The report's line id; with the provider and settlement id it is the posting's idempotency key. */
  readonly lineId: string;
  /** Minor units; negative for a fee the provider gave back, a chargeback it reversed, or a payout it took from the bank. */
  readonly amountMinor: bigint;
  readonly occurredAt: Date;
  readonly orderId?: string | null;
}

/** What a payment provider's settlement report moved in the books. */
export interface SettlementPostingsInput {
  readonly provider: string;
  readonly settlementId: string;
  readonly currency: CurrencyCode;
  readonly fees: readonly SettlementAmount[];
  /** The money the provider took back from the merchant for disputed payments (positive amounts). */
  readonly chargebacks?: readonly SettlementAmount[] | null;
  readonly payout?: SettlementAmount | null;
  readonly correlationId: string;
}

/** Fees, chargebacks and payouts are posted under these sources (one entry per source and id). */
export const SETTLEMENT_SOURCES = { fee: 'SETTLEMENT_FEE', chargeback: 'SETTLEMENT_CHARGEBACK', payout: 'SETTLEMENT_PAYOUT' } as const;
type SettlementKind = keyof typeof SETTLEMENT_SOURCES;

const MAX_LINES = 5_000;
const DEBITED: Readonly<Record<SettlementKind, string>> = {
  fee: SETTLEMENT_ACCOUNTS.fees,
  chargeback: SETTLEMENT_ACCOUNTS.chargebacks,
  payout: SETTLEMENT_ACCOUNTS.cash,
};

/**
 * Posts a settlement's fees (Dr 5200 fees, Cr 1100 card clearing), its chargebacks (Dr 5300
 * chargeback losses, Cr 1100) and its payout (Dr 1000 cash, Cr 1100) as one entry each, keyed
 * `<provider>:<settlementId>:<lineId>` under the kind's source type (a chargeback line's fee and
 * the chargeback itself are two entries of one line), so posting the same report again posts
 * nothing new and answers with the same entries. Every input is checked before
 * the first entry is written (BAD_USER_INPUT, nothing written); a call that fails half way is
 * completed by repeating it. A zero amount posts nothing.
 */
export async function postSettlement(models: LedgerModels, input: SettlementPostingsInput): Promise<JournalEntryRecord[]> {
  const drafts = settlementEntries(input);
  const posted: JournalEntryRecord[] = [];
  for (const draft of drafts) posted.push((await postJournalEntry(models, draft)).entry);
  return posted;
}

function settlementEntries(input: SettlementPostingsInput): PostJournalEntryInput[] {
  const provider = identifier(input.provider, 'input.provider');
  const settlementId = identifier(input.settlementId, 'input.settlementId');
  const chargebacks = input.chargebacks ?? [];
  if (input.fees.length > MAX_LINES) throw badUserInput(`a settlement posts at most ${MAX_LINES} fees`, { argument: 'input.fees' });
  if (chargebacks.length > MAX_LINES) throw badUserInput(`a settlement posts at most ${MAX_LINES} chargebacks`, { argument: 'input.chargebacks' });
  const sourceIds = new Set<string>();
  const entry = (amount: SettlementAmount, argument: string, kind: SettlementKind): PostJournalEntryInput | null => {
    const lineId = identifier(amount.lineId, `${argument}.lineId`);
    // One line may carry a fee and a chargeback, but never two of one kind.
    const sourceId = `${SETTLEMENT_SOURCES[kind]}|${lineId}`;
    if (sourceIds.has(sourceId)) throw badUserInput(`line ${lineId} appears twice`, { argument: `${argument}.lineId` });
    sourceIds.add(sourceId);
    if (Number.isNaN(amount.occurredAt.getTime())) throw badUserInput(`${argument}.occurredAt is not a valid date`, { argument: `${argument}.occurredAt` });
    if (amount.amountMinor === 0n) return null;
    const minor = amount.amountMinor < 0n ? -amount.amountMinor : amount.amountMinor;
    const [to, from] = [DEBITED[kind], SETTLEMENT_ACCOUNTS.clearing];
    const [debitAccount, creditAccount] = amount.amountMinor > 0n ? [to, from] : [from, to];
    const orderId = amount.orderId ? identifier(amount.orderId, `${argument}.orderId`) : undefined;
    return {
      source: { type: SETTLEMENT_SOURCES[kind], id: `${provider}:${settlementId}:${lineId}` },
      memo:
        kind === 'payout'
          ? `${provider} payout, settlement ${settlementId}`
          : `${provider} ${kind}, settlement ${settlementId} line ${lineId}${orderId ? ` (order ${orderId})` : ''}`,
      currency: input.currency,
      correlationId: input.correlationId,
      postedAt: amount.occurredAt,
      lines: [debit(debitAccount, minor), credit(creditAccount, minor)],
      ...(orderId ? { orderId } : {}),
    };
  };
  const drafts = input.fees.map((fee, index) => entry(fee, `input.fees[${index}]`, 'fee'));
  drafts.push(...chargebacks.map((chargeback, index) => entry(chargeback, `input.chargebacks[${index}]`, 'chargeback')));
  if (input.payout) drafts.push(entry(input.payout, 'input.payout', 'payout'));
  // Source ids must be valid identifiers too; checking them now keeps "nothing written" true.
  for (const draft of drafts) if (draft) identifier(draft.source.id, 'input.lineId');
  return drafts.filter((draft): draft is PostJournalEntryInput => draft !== null);
}
