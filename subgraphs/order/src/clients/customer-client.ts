import { customerUnavailable } from '../errors.js';
import { askSubgraph } from './subgraph-client.js';

/** The customer domain's loyalty tiers (its LoyaltyTier enum; the product domain's price lists and promotions name them too). */
export type LoyaltyTier = 'NONE' | 'SILVER' | 'GOLD' | 'PLATINUM';

const LOYALTY_TIER = `query OrderCustomerTier($id: ID!) { customer(id: $id) { loyaltyTier } }`;

/**
 * The loyalty tier the customer domain holds for `customerId` now (a merged-away id answers with
 * its survivor's), by one key lookup as the order service; null for a customer it does not know.
 * A slow or failing customer subgraph is CUSTOMER_UNAVAILABLE (retryable).
 */
export async function fetchLoyaltyTier(customerUrl: string, secret: Uint8Array, customerId: string, correlationId: string): Promise<LoyaltyTier | null> {
  const data = await askSubgraph<{ customer: { loyaltyTier: LoyaltyTier } | null }>(
    customerUrl,
    secret,
    LOYALTY_TIER,
    { id: customerId },
    correlationId,
    customerUnavailable,
  );
  return data.customer?.loyaltyTier ?? null;
}
