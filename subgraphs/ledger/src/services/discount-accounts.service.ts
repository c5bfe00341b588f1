import type { PromotionDiscount } from '@mesh/events';
import { identifier } from '@mesh/server-kit';
import { discountAccount } from '../consumers/event-entries.js';
import type { LedgerModels } from '../models/index.js';

/**
 * Opens the contra-revenue account of each promotion (4200-<promotionId>, type REVENUE with a
 * debit balance) the first time one of its discounts is posted; an upsert on the code, so
 * redeliveries and concurrent captures open it once. Its name is the promotion's name then.
 */
export async function openDiscountAccounts(models: LedgerModels, discounts: readonly PromotionDiscount[]): Promise<void> {
  if (discounts.length === 0) return;
  await models.accounts.bulkWrite(
    discounts.map((discount) => {
      const code = identifier(discountAccount(discount.promotionId), 'discounts.promotionId');
      return {
        updateOne: {
          filter: { _id: code },
          update: { $setOnInsert: { name: `Discounts: ${discount.name.slice(0, 150)}`, type: 'REVENUE' as const } },
          upsert: true,
        },
      };
    }),
    { ordered: false },
  );
}
