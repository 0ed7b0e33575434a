import type { AnyActorLogic, AnyActorRef, Snapshot } from 'xstate';
import type { ActorRecord } from './actor-record.js';
import type { LiveKind } from './kind-registry.js';
import { offerActor, parentOf, withActors } from './xstate-adapter.js';

// Walking and wiring the actor tree: paths into a machine's children, and the
// implementations that let machines spawn registered kinds by name.

/** The live actor at an id or a path into its children (`'wf-1/build'`); ids may hold '/'. */
export function resolvePath(records: ReadonlyMap<string, ActorRecord>, path: string): AnyActorRef | undefined {
  const direct = records.get(path)?.ref;
  if (direct) return direct;
  let slash = path.lastIndexOf('/');
  while (slash > 0) {
    const ref = records.get(path.slice(0, slash))?.ref;
    if (ref) return descend(ref, path.slice(slash + 1).split('/'));
    slash = path.lastIndexOf('/', slash - 1);
  }
  return undefined;
}

/** Where `ref` sits below a top-level actor; undefined for the root and its helpers. */
export function pathOf(records: ReadonlyMap<string, ActorRecord>, root: AnyActorRef, ref: AnyActorRef): string | undefined {
  const segments: string[] = [];
  let current: AnyActorRef | undefined = ref;
  while (current && current !== root) {
    const record = records.get(current.id);
    if (record?.ref === current) return [record.id, ...segments].join('/');
    segments.unshift(current.id);
    current = parentOf(current);
  }
  return undefined;
}

/** Follows child ids down from `ref` through each snapshot's children. */
function descend(ref: AnyActorRef, segments: string[]): AnyActorRef | undefined {
  let current: AnyActorRef | undefined = ref;
  for (const segment of segments) {
    const snapshot = current?.getSnapshot() as { children?: Record<string, AnyActorRef> } | undefined;
    const next: AnyActorRef | undefined = snapshot?.children?.[segment];
    current = next;
  }
  return current;
}

/** Lets a machine spawn every registered kind by name (`spawnChild('process', ...)`). */
export function withRegisteredActors(logic: AnyActorLogic, kinds: ReadonlyMap<string, LiveKind>): AnyActorLogic {
  return withActors(logic, [...kinds].map(([name, kind]) => [name, kind.logic] as const));
}

/** Lets a machine registered earlier spawn a kind registered later. */
export { offerActor };

/**
 * What the journal keeps of how a run ended: the thrown error, or the exit code, signal and
 * error of a machine's output (a process's), so a crash loop shows every run's reason.
 */
export function outcomeOf(snapshot: Snapshot<unknown>, error: unknown): Record<string, unknown> {
  if (error !== undefined) return { error: error instanceof Error ? error.message : String(error) };
  const output = (snapshot as { output?: unknown }).output;
  if (!output || typeof output !== 'object') return {};
  const { exitCode, signal, error: failure } = output as { exitCode?: unknown; signal?: unknown; error?: { code?: unknown; message?: unknown } | null };
  return {
    ...(exitCode === undefined || exitCode === null ? {} : { exitCode }),
    ...(signal === undefined || signal === null ? {} : { signal }),
    ...(failure ? { error: failure.message, code: failure.code } : {}),
  };
}
