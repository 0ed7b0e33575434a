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

/**
 * The TroupeError `promise` rejects with (fails the test when it resolves, or rejects with
 * something else): `thrown` for promises.
 *
 * @example
 * expect(await rejection(orc.stop('nope'))).toMatchObject({ code: 'ACTOR_NOT_FOUND' })
 */
export async function rejection(promise: Promise<unknown>): Promise<TroupeError> {
  try {
    await promise;
  } catch (err: unknown) {
    if (err instanceof TroupeError) return err;
    throw err;
  }
  throw new Error('expected a TroupeError');
}
