import { CORRELATION_ID_HEADER, GATEWAY_CREDENTIAL_HEADER, signGatewayCredential, type CurrencyCode, type Principal } from '@mesh/server-kit';
import { catalogUnavailable } from './errors.js';

/** What the order domain takes from the catalog for one SKU, in one currency. */
export interface CatalogVariant {
  readonly sku: string;
  /** Shelf price in the order's currency, or null when the SKU is not sold in it. */
  readonly priceMinor: number | null;
  /** Unit cost in the order's currency, or null when none is recorded. */
  readonly unitCostMinor: number | null;
}

/** The order domain's identity towards other subgraphs. */
export const ORDER_SERVICE_PRINCIPAL: Principal = Object.freeze({ role: 'admin', subject: 'service:order' });

const VARIANTS = `query OrderPricing($skus: [ID!]!, $currency: CurrencyCode!) {
  variants(skus: $skus) { sku prices { minorUnits currency } unitCost(currency: $currency) { minorUnits } }
}`;

type VariantsResponse = {
  data?: { variants: ({ sku: string; prices: { minorUnits: string; currency: string }[]; unitCost: { minorUnits: string } | null } | null)[] } | null;
  errors?: { message: string; extensions?: { code?: string; retryable?: boolean } }[];
};

/**
 * Reads prices and unit costs straight from the product subgraph (unitCost is @inaccessible, not in
 * the public graph), as the order service. Returns one entry per SKU asked, null for an unknown SKU.
 */
export async function fetchCatalogVariants(
  productUrl: string,
  secret: Uint8Array,
  skus: readonly string[],
  currency: CurrencyCode,
  correlationId: string,
): Promise<(CatalogVariant | null)[]> {
  const credential = await signGatewayCredential(ORDER_SERVICE_PRINCIPAL, secret);
  let response: Response;
  let body: VariantsResponse;
  try {
    response = await fetch(productUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [GATEWAY_CREDENTIAL_HEADER]: credential, [CORRELATION_ID_HEADER]: correlationId },
      body: JSON.stringify({ query: VARIANTS, variables: { skus, currency } }),
      signal: AbortSignal.timeout(5000),
    });
    body = (await response.json()) as VariantsResponse;
  } catch (error) {
    // Slow, restarting or unreachable: nothing was written yet, so the caller may simply retry.
    throw catalogUnavailable((error as Error).name === 'TimeoutError' ? 'no answer within 5 s' : (error as Error).message);
  }
  if (response.status >= 500) throw catalogUnavailable(`HTTP ${response.status}`);
  // The catalog's own transient refusal (its database restarting): as retryable for our caller.
  const transient = body.errors?.find((error) => error.extensions?.retryable === true);
  if (transient) throw catalogUnavailable(transient.extensions?.code ?? transient.message);
  if (!response.ok || body.errors?.length || !body.data) {
    throw new Error(`product subgraph answered ${response.status}: ${body.errors?.map((error) => error.message).join('; ') ?? 'no data'}`);
  }
  return body.data.variants.map((variant) => {
    if (!variant) return null;
    const price = variant.prices.find((candidate) => candidate.currency === currency);
    return {
      sku: variant.sku,
      priceMinor: price ? Number(price.minorUnits) : null,
      unitCostMinor: variant.unitCost ? Number(variant.unitCost.minorUnits) : null,
    };
  });
}
