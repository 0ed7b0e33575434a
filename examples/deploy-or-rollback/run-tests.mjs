// The test suite, run against the staged release.
import assert from 'node:assert/strict';
import { withTax } from './out/staging/price.mjs';

const cases = [
  [1000, 20, 1200],
  [999, 20, 1199],
  [1, 50, 2],
];
let failed = 0;
for (const [cents, rate, expected] of cases) {
  try {
    assert.equal(withTax(cents, rate), expected);
    console.log(`ok - withTax(${cents}, ${rate}) = ${expected}`);
  } catch {
    failed++;
    console.log(`not ok - withTax(${cents}, ${rate}) = ${withTax(cents, rate)}, expected ${expected}`);
  }
}
console.log(failed === 0 ? 'all tests passed' : `${failed} of ${cases.length} tests failed`);
process.exitCode = failed === 0 ? 0 : 1;
