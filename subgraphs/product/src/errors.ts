import { errorFactory } from '@mesh/server-kit';

/** The product domain's own error codes (the common ones are in server-kit's errors.ts). Each refusal changes nothing. */
export const PRODUCT_ERROR_CODES = {
  PRICE_NOT_POSITIVE: 'A price must be a whole number of minor units above zero.',
  PRICE_PERIOD_EMPTY: 'effectiveTo must be after effectiveFrom.',
  PRICE_PERIOD_OVERLAP: 'The new price would overlap a period of the price list already scheduled.',
  PRICE_PERIOD_GAP: 'The new price would leave a gap after the last period of the price list.',
  PRICE_CHANGE_IN_PAST: 'A price change cannot take effect in the past: orders were already priced by the price then in force.',
  PROMOTION_PERIOD_EMPTY: 'A promotion must end after it starts.',
  PROMOTION_PERCENT_OUT_OF_RANGE: 'A percentage off must be a whole number from 1 to 100.',
  PROMOTION_AMOUNT_NOT_POSITIVE: 'The promotion needs its amounts (and their currency) above zero.',
  PROMOTION_PARAMETERS_MISSING: 'The promotion lacks a parameter its kind needs (buy/get quantities, at least two bundle SKUs).',
  PROMOTION_EXCLUSIVE_OVERLAP: 'An exclusive promotion may not meet another exclusive one (same time, channel, store, tier and items).',
  PROMOTION_ID_TAKEN: 'Another promotion has this id.',
  COUPON_CODE_TAKEN: 'Another coupon has this code.',
  COUPON_UNKNOWN: 'There is no coupon with this code.',
  COUPON_NOT_IN_FORCE: "The coupon's promotion has not started or has ended.",
  COUPON_EXHAUSTED: 'The coupon has been used as many times as it may be.',
  COUPON_CUSTOMER_LIMIT: 'This customer has used the coupon as many times as one customer may.',
  COUPON_NEEDS_CUSTOMER: 'The coupon is limited per customer, so the sale must name its customer.',
  NOT_SOLD: 'A SKU of the cart has no price in its currency, channel and time.',
  WRITE_CONTENDED: 'The record kept changing under this request; nothing was changed. Retry with the same idempotency key.',
} as const;

export type ProductErrorCode = keyof typeof PRODUCT_ERROR_CODES;

const raise = errorFactory(PRODUCT_ERROR_CODES);

/** Raises one of PRODUCT_ERROR_CODES with its meaning as the message; any other code does not compile. */
export const productError = (code: ProductErrorCode, extensions: Record<string, unknown> = {}) => raise(code, PRODUCT_ERROR_CODES[code], extensions);
