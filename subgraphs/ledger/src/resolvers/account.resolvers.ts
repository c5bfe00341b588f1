import { money } from '@mesh/server-kit';
import type { AccountResolvers, TrialBalanceLineResolvers } from '../__generated__/resolvers-types.js';
import { normalBalance } from '../models/account.model.js';

export const Account: AccountResolvers = {
  code: (account) => account._id,
  balance: async (account, { currency }, { loaders }) => {
    const stored = (await loaders.balancesByAccountCode.load(account._id)).find((row) => row.currency === currency);
    return money(stored ? normalBalance(account.type, BigInt(stored.debitMinor), BigInt(stored.creditMinor)) : 0n, currency);
  },
  balances: async (account, _args, { loaders }) =>
    (await loaders.balancesByAccountCode.load(account._id)).map((row) =>
      money(normalBalance(account.type, BigInt(row.debitMinor), BigInt(row.creditMinor)), row.currency),
    ),
};

export const TrialBalanceLine: TrialBalanceLineResolvers = {
  account: (line) => line.account,
};
