/** The money fields of an order, as stored: integer minor units. */
export interface OrderAmounts {
  lines: ReadonlyArray<{
    lineNumber: number;
    quantity: number;
    unitPriceMinor: number;
    discountMinor?: number | undefined;
    taxMinor: number;
    lineTotalMinor: number;
  }>;
  totals: { subtotalMinor: number; taxMinor: number; totalMinor: number };
  payment: { authorizedMinor: number; capturedMinor: number; refundedMinor: number };
}

/**
 * The arithmetic every stored order obeys, as a list of what is wrong (empty when the order is
 * consistent): every amount a non-negative safe integer, line totals = unit price x quantity -
 * discount + tax (a discount never above unit price x quantity),
 * subtotal and tax = the sums over the lines, total = subtotal + tax, and captured <= authorised,
 * refunded <= captured. Sums are checked in bigint so the check itself cannot round.
 */
export function orderAmountProblems(order: OrderAmounts): string[] {
  const problems: string[] = [];
  const amount = (value: number, label: string): bigint => {
    if (!Number.isSafeInteger(value) || value < 0) problems.push(`${label} must be a non-negative safe integer, got ${value}`);
    return Number.isSafeInteger(value) ? BigInt(value) : 0n;
  };
  if (order.lines.length === 0) problems.push('an order needs at least one line');
  let subtotal = 0n;
  let tax = 0n;
  order.lines.forEach((line, index) => {
    const label = `line ${index + 1}`;
    if (line.lineNumber !== index + 1) problems.push(`${label} is numbered ${line.lineNumber}`);
    if (!Number.isSafeInteger(line.quantity) || line.quantity < 1) problems.push(`${label} quantity must be a whole number from 1`);
    const gross = amount(line.unitPriceMinor, `${label} unit price`) * BigInt(Math.max(0, Math.trunc(line.quantity) || 0));
    const discount = amount(line.discountMinor ?? 0, `${label} discount`);
    if (discount > gross) problems.push(`${label} discount exceeds unit price x quantity`);
    const net = gross - discount;
    const lineTax = amount(line.taxMinor, `${label} tax`);
    if (amount(line.lineTotalMinor, `${label} total`) !== net + lineTax) problems.push(`${label} total is not unit price x quantity - discount + tax`);
    subtotal += net;
    tax += lineTax;
  });
  const totals = order.totals;
  if (amount(totals.subtotalMinor, 'subtotal') !== subtotal) problems.push('subtotal is not the sum of the lines');
  if (amount(totals.taxMinor, 'tax') !== tax) problems.push('tax is not the sum of the lines');
  if (amount(totals.totalMinor, 'total') !== subtotal + tax) problems.push('total is not subtotal + tax');
  const authorized = amount(order.payment.authorizedMinor, 'authorized');
  const captured = amount(order.payment.capturedMinor, 'captured');
  const refunded = amount(order.payment.refundedMinor, 'refunded');
  if (captured > authorized) problems.push('captured exceeds authorized');
  if (refunded > captured) problems.push('refunded exceeds captured');
  return problems;
}
