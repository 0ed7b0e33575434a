// Type-level tests of the kind contract: `orc.spawn(spec)` resolves to the handle of the
// spec's kind through `TroupeKinds` (declaration merging), with no overload per kind.
import { describe, expectTypeOf, it } from 'vitest';
import { assign, setup } from 'xstate';
import type { ActorHandle, HandleOf, Orchestrator, ShellHandle, RunView, RunHandle } from '../src/index.js';
import { defineKind } from '../src/index.js';

describe('kind types', () => {
  it('maps each built-in spec to its handle', () => {
    expectTypeOf<HandleOf<{ kind: 'shell'; id: 's1' }>>().toEqualTypeOf<ShellHandle>();
    expectTypeOf<HandleOf<{ kind: 'process'; command: 'true' }>>().toEqualTypeOf<ActorHandle>();
    expectTypeOf<HandleOf<{ kind: 'counter' }>>().toEqualTypeOf<ActorHandle>();
  });

  it('types orc.spawn by the literal kind of its argument', () => {
    expectTypeOf<ReturnType<typeof spawnShell>>().toEqualTypeOf<Promise<ShellHandle>>();
    expectTypeOf<ReturnType<typeof spawnProcess>>().toEqualTypeOf<Promise<ActorHandle>>();
    expectTypeOf<ReturnType<typeof spawnCounter>>().toEqualTypeOf<Promise<ActorHandle>>();
  });

  it('has the methods kinds contribute, typed in their folders', () => {
    expectTypeOf<Orchestrator['shell']>().toEqualTypeOf<(id: string) => ShellHandle>();
    expectTypeOf<ReturnType<Orchestrator['run']>>().toEqualTypeOf<Promise<RunView>>();
    expectTypeOf<ReturnType<Orchestrator['startRun']>>().toEqualTypeOf<RunHandle>();
  });

  it('gives defineKind callbacks the parsed spec type', () => {
    const machine = setup({ types: { context: {} as { n: number }, input: {} as { n: number } } }).createMachine({
      context: ({ input }) => ({ n: input.n }),
      on: { inc: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
    });
    defineKind<{ kind: 'counter'; n: number }, { n: number }>({
      kind: 'counter',
      machine,
      input: (spec) => {
        expectTypeOf(spec.n).toEqualTypeOf<number>();
        return { n: spec.n };
      },
    });
  });
});

// Never called: only their inferred return types are checked.
const spawnShell = (orc: Orchestrator) => orc.spawn({ kind: 'shell', id: 's1' });
const spawnProcess = (orc: Orchestrator) => orc.spawn({ kind: 'process', id: 'p', command: 'true' });
const spawnCounter = (orc: Orchestrator) => orc.spawn({ kind: 'counter', id: 'c1', input: { start: 1 } });
