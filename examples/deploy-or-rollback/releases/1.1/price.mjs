// Release 1.1: prices with tax, in whole cents, rounded half up.
export function withTax(cents, ratePercent) {
  return Math.round((cents * (100 + ratePercent)) / 100);
}
