/**
 * A kind as the runtime holds it once registered: its definition, its logic with the I/O
 * provided and able to spawn every registered kind by name, its services, and its compile
 * (the spec checked once at the boundary, then turned into the machine's input).
 */
import type { AnyActorLogic, Snapshot } from 'xstate';
import { z } from 'zod';
import type { ActorRecord } from './actor-record.js';
import type { CloseMode, KindDefinition, KindServices } from './kind.js';
import { baseSpecShape, machineSpecSchema, parseSpec } from './spec.js';

/**
 * A registered kind.
 *
 * @example
 * const live = liveKind(defineKind({ kind: 'counter', machine }), services, { cwd, allowedDirs: undefined });
 * live.compile({ kind: 'counter', input: { start: 1 } }, 'c1') // { start: 1 }
 */
export interface LiveKind {
  readonly kind: string;
  readonly definition: KindDefinition;
  /** The logic spawned for each actor (provided; replaced once registered actors are wired in). */
  logic: AnyActorLogic;
  readonly services: KindServices;
  compile(spec: unknown, id: string): unknown;
  /** What close() does with this actor. */
  closeMode(record: ActorRecord): CloseMode;
  /** The actor's summary columns, or null without `describe`. */
  summary(snapshot: Snapshot<unknown> | undefined): string | null;
}

/** Makes the runtime's form of a kind: I/O provided, compile and close resolved. */
export function liveKind(definition: KindDefinition, services: KindServices): LiveKind {
  const { kind } = definition;
  const logic = definition.provide ? definition.provide(services) : definition.machine;
  const schema = definition.spec && withBaseFields(definition.spec);
  const ctxOf = (id: string) => ({ id, cwd: services.cwd, allowedDirs: services.allowedDirs, options: services.options });
  return {
    kind,
    definition,
    logic,
    services,
    compile(value, id) {
      // A kind without a schema of its own takes `{ kind, id?, restart?, input? }`, as `register(name, machine)` always has.
      const spec = schema ? parseSpec(schema, value, `${kind} spec for '${id}'`) : parseSpec(machineSpecSchema, value);
      if (definition.compile) return definition.compile(spec, ctxOf(id));
      if (definition.input) return definition.input(spec);
      return (spec as { input?: unknown }).input;
    },
    closeMode(record) {
      const close = definition.close ?? 'keep';
      return typeof close === 'function' ? close(record.spec) : close;
    },
    summary(snapshot) {
      if (!definition.describe || !snapshot) return null;
      return JSON.stringify(definition.describe(snapshot));
    },
  };
}

/**
 * A kind's schema with the base fields the runtime handles (`id`, `restart`) added where it
 * does not declare them itself: a kind describes its own fields, and keeps its strictness.
 */
function withBaseFields(spec: z.ZodType): z.ZodType {
  if (!(spec instanceof z.ZodObject)) return spec;
  const shape = spec.shape as Record<string, unknown>;
  const missing = Object.fromEntries(Object.entries(baseSpecShape).filter(([key]) => !(key in shape)));
  return spec.extend(missing);
}
