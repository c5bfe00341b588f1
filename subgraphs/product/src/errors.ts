import { meshError } from '@mesh/server-kit';

/** The product domain's own error codes (the common ones are in server-kit's errors.ts). Each refusal changes nothing. */
export const PRODUCT_ERROR_CODES = {
  PRICE_NOT_POSITIVE: 'A price must be a whole number of minor units above zero.',
  PRICE_PERIOD_EMPTY: 'effectiveTo must be after effectiveFrom.',
  PRICE_PERIOD_OVERLAP: 'The new price would overlap a period of the price list already scheduled.',
  PRICE_PERIOD_GAP: 'The new price would leave a gap after the last period of the price list.',
  PRICE_CHANGE_IN_PAST: 'A price change cannot take effect in the past: orders were already priced by the price then in force.',
  IDEMPOTENCY_KEY_REUSED: 'The idempotency key was already used for a different request.',
  WRITE_CONTENDED: 'The record kept changing under this request; nothing was changed. Retry with the same idempotency key.',
} as const;

export type ProductErrorCode = keyof typeof PRODUCT_ERROR_CODES;

export const productError = (code: ProductErrorCode, extensions: Record<string, unknown> = {}) => meshError(code, PRODUCT_ERROR_CODES[code], extensions);
