// Release 1.2: "faster" tax arithmetic that truncates instead of rounding: the tests catch it.
export function withTax(cents, ratePercent) {
  return Math.trunc(cents + (cents * ratePercent) / 100);
}
