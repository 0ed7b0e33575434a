import { TroupeError } from '../../src/index.js';

/**
 * The TroupeError `fn` throws, so a test can assert its exact code and message (fails the
 * test when `fn` returns, or throws something else).
 *
 * @example
 * expect(thrown(() => compile(bad))).toMatchObject({ code: 'INVALID_SPEC', message: '...' })
 */
export function thrown(fn: () => unknown): TroupeError {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof TroupeError) return err;
    throw err;
  }
  throw new Error('expected a TroupeError');
}
