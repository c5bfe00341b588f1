/**
 * Splits `total` minor units over `weights` in proportion, in whole minor units that add up to
 * `total` exactly (largest remainder: each share is rounded down, and the units left over go to
 * the largest remainders, ties to the earlier weight). A share never exceeds its weight when
 * `total` does not exceed the sum of the weights. Computed in bigint: nothing rounds on the way.
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((acc, weight) => acc + BigInt(weight), 0n);
  if (total === 0 || sum === 0n) return weights.map(() => 0);
  const big = BigInt(total);
  const shares = weights.map((weight) => (big * BigInt(weight)) / sum);
  const remainders = weights.map((weight, index) => ({ index, remainder: (big * BigInt(weight)) % sum }));
  let left = Number(big - shares.reduce((acc, share) => acc + share, 0n));
  remainders.sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of remainders) {
    if (left === 0) break;
    shares[index] = shares[index]! + 1n;
    left -= 1;
  }
  return shares.map(Number);
}
