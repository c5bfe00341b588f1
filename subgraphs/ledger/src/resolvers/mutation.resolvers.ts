import { identifier } from '@mesh/server-kit';
import type { MutationResolvers } from '../__generated__/resolvers-types.js';
import { requireDeadLetterReplay, requireLedgerClose, requireLedgerSettle } from '../access.js';

export const Mutation: MutationResolvers = {
  replayDeadLetter: (_parent, { id }, { principal, ledger }) => {
    requireDeadLetterReplay(principal);
    return ledger.replayDeadLetter(identifier(id, 'id'));
  },
  closeLedgerDay: (_parent, { input }, { principal, ledger }) => {
    requireLedgerClose(principal);
    return ledger.closeDay(input);
  },
  postSettlement: (_parent, { input }, { principal, ledger }) => {
    requireLedgerSettle(principal);
    return ledger.postSettlement({
      ...input,
      fees: input.fees.map((fee) => ({ ...fee, amountMinor: BigInt(fee.amountMinor) })),
      chargebacks: (input.chargebacks ?? []).map((chargeback) => ({ ...chargeback, amountMinor: BigInt(chargeback.amountMinor) })),
      payout: input.payout ? { ...input.payout, amountMinor: BigInt(input.payout.amountMinor) } : null,
    });
  },
};
