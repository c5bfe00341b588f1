import type { CurrencyCode } from '@mesh/server-kit';

/**
 * The one tax rule of the order domain: sales tax (US, USD) or VAT (EU, EUR) charged on top of the
 * shelf price, per line, rounded half away from zero to the minor unit (as the seed data's taxOf).
 */
export const TAX_RATE_BASIS_POINTS: Readonly<Record<CurrencyCode, number>> = { USD: 800, EUR: 2000 };

/** Tax on a line's net amount (unit price x quantity), in minor units. */
export function taxOf(netMinor: number, currency: CurrencyCode): number {
  return Math.round((netMinor * TAX_RATE_BASIS_POINTS[currency]) / 10_000);
}
