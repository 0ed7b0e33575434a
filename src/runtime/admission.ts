/**
 * Resource admission: an actor whose resources the host cannot give now waits in `pending`
 * (its reason in its row's summary, so `ps` shows it) and starts once they are free. Limits
 * are the orchestrator's (`createOrchestrator({ resources })`) and each spec's own
 * (`resources: { memory, cpus }`). Names no kind: what counts as work is an actor whose kind
 * holds something outside (it has a `reconcile`: processes, shells) or that declares resources.
 */
import { availableParallelism, freemem, loadavg } from 'node:os';
import { z } from 'zod';
import type { ActorRecord } from './actor-record.js';
import type { LiveKind } from './kind-registry.js';
import { isSize, parseSize } from './size.js';

/** What a spec may ask for (every kind accepts it: it is in `baseSpecShape`). */
export const specResourcesSchema = z
  .object({
    /** Memory the actor needs (admission), e.g. '512MiB'. */
    memory: z.union([z.number(), z.string()]).refine(isSize, { message: "not a size: write bytes or '512MiB', '1GiB'" }).optional(),
    /** CPUs it needs (admission): at most the host's, in all. */
    cpus: z.number().positive().optional(),
  })
  .strict();

/** The host's limits as users write them (`createOrchestrator({ resources })`). */
export const hostResourcesSchema = z
  .object({
    /** At most this many actors of work run at once; more wait in `pending`. */
    max_concurrent: z.number().int().min(1).optional(),
    /** Start nothing that would leave less free memory than this, e.g. '1GiB'. */
    min_free_memory: z.union([z.number(), z.string()]).refine(isSize, { message: "not a size: write bytes or '512MiB', '1GiB'" }).optional(),
    /** Start nothing while the 1-minute load average is above this. */
    max_load: z.number().positive().optional(),
    /** The memory an actor of work (a process, a shell) is admitted with when its spec declares none, e.g. '512MiB'. */
    default_memory: z.union([z.number(), z.string()]).refine(isSize, { message: "not a size: write bytes or '512MiB', '1GiB'" }).optional(),
  })
  .strict();

export type HostResources = z.input<typeof hostResourcesSchema>;

/** What the host looks like now: read from the OS, or given in tests. */
export interface HostProbe {
  freeMemory(): number;
  load(): number;
  cpus(): number;
}

const osProbe: HostProbe = { freeMemory: freemem, load: () => loadavg()[0] ?? 0, cpus: availableParallelism };

/** `orc.resources()`: the limits, what admitted actors hold, the host now, and who waits why. */
export interface ResourcesView {
  limits: { maxConcurrent: number | null; minFreeMemory: number | null; maxLoad: number | null; cpus: number };
  usage: { running: number; memory: number; cpus: number; freeMemory: number; load: number };
  pending: Array<{ id: string; reason: string; since: number }>;
}

interface Need {
  memory: number;
  cpus: number;
}

/** An actor's declared needs (nothing when it declares none). */
function needOf(record: ActorRecord): Need {
  const declared = record.spec['resources'] as { memory?: number | string; cpus?: number } | undefined;
  return { memory: declared?.memory === undefined ? 0 : parseSize(declared.memory, 'resources.memory'), cpus: declared?.cpus ?? 0 };
}

/**
 * The gate `ActorTable.start` asks before a fresh run: hold it (pending) or let it go.
 *
 * @example
 * const gate = new Admission({ max_concurrent: 8 }, (record, reason, numbers) => emit(record.id, 'resource.exhausted', numbers));
 * table.gate = gate;
 */
export class Admission {
  private readonly limits: { maxConcurrent?: number; minFreeMemory?: number; maxLoad?: number; defaultMemory?: number };
  private readonly admitted = new Set<ActorRecord>();
  private readonly pending = new Map<ActorRecord, { go: () => void; reason: string; since: number }>();
  private letting: ActorRecord | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    resources: HostResources | undefined,
    private readonly onWait: (record: ActorRecord, reason: string, numbers: Record<string, number | null>) => void,
    private readonly now: () => number,
    private readonly probe: HostProbe = osProbe,
    /** How often waiting actors are looked at again. */
    private readonly pollMs = 200,
  ) {
    const parsed = hostResourcesSchema.parse(resources ?? {});
    this.limits = {
      ...(parsed.max_concurrent !== undefined ? { maxConcurrent: parsed.max_concurrent } : {}),
      ...(parsed.min_free_memory !== undefined ? { minFreeMemory: parseSize(parsed.min_free_memory, 'resources.min_free_memory') } : {}),
      ...(parsed.max_load !== undefined ? { maxLoad: parsed.max_load } : {}),
      ...(parsed.default_memory !== undefined ? { defaultMemory: parseSize(parsed.default_memory, 'resources.default_memory') } : {}),
    };
  }

  /**
   * True when the run must wait: the record is then `pending` (its reason in its summary)
   * and `go` runs once the resources are there. Actors that are not work pass at once.
   */
  hold(record: ActorRecord, kind: LiveKind, go: () => void): boolean {
    if (this.letting === record) return false;
    const declared = needOf(record);
    const work = kind.definition.reconcile !== undefined || declared.memory > 0 || declared.cpus > 0;
    if (!work) return false;
    const need = this.needOf(record);
    // Counted only when something limits it: no limits and no needs cost nothing to track.
    const counted = this.limits.maxConcurrent !== undefined || need.memory > 0 || need.cpus > 0;
    const reason = this.refusal(need);
    if (reason === undefined && this.pending.size === 0) {
      if (counted) this.admitted.add(record);
      return false;
    }
    const why = reason ?? 'other actors wait before it';
    record.state = 'pending';
    record.since = this.now();
    record.summary = JSON.stringify({ waiting: why });
    this.pending.set(record, { go, reason: why, since: record.since });
    this.onWait(record, why, this.numbers(need));
    this.timer ??= setInterval(() => this.admit(), this.pollMs);
    this.timer.unref();
    return true;
  }

  /** Starts waiting actors, in the order they came, while their resources are there. */
  admit(): void {
    for (const [record, wait] of this.pending) {
      if (gone(record)) {
        this.pending.delete(record);
        continue;
      }
      const reason = this.refusal(this.needOf(record));
      if (reason !== undefined) {
        if (reason !== wait.reason) record.summary = JSON.stringify({ waiting: (wait.reason = reason) });
        break;
      }
      this.pending.delete(record);
      this.admitted.add(record);
      this.letting = record;
      try {
        wait.go();
      } finally {
        this.letting = undefined;
      }
    }
    if (this.pending.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** @example orc.resources().pending[0]?.reason // 'max_concurrent 1 reached (1 running)' */
  view(): ResourcesView {
    for (const record of this.pending.keys()) if (gone(record)) this.pending.delete(record);
    const usage = this.usage();
    return {
      limits: { maxConcurrent: this.limits.maxConcurrent ?? null, minFreeMemory: this.limits.minFreeMemory ?? null, maxLoad: this.limits.maxLoad ?? null, cpus: this.probe.cpus() },
      usage: { ...usage, freeMemory: this.probe.freeMemory(), load: this.probe.load() },
      pending: [...this.pending].map(([record, wait]) => ({ id: record.id, reason: wait.reason, since: wait.since })),
    };
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** What admitted live actors hold (ended ones are let go here). */
  private usage(): { running: number; memory: number; cpus: number } {
    let memory = 0;
    let cpus = 0;
    for (const record of this.admitted) {
      if (record.status !== 'active' || !record.ref) {
        this.admitted.delete(record);
        continue;
      }
      const need = this.needOf(record);
      memory += need.memory;
      cpus += need.cpus;
    }
    return { running: this.admitted.size, memory, cpus };
  }

  private numbers(need: Need): Record<string, number | null> {
    const usage = this.usage();
    return {
      running: usage.running,
      maxConcurrent: this.limits.maxConcurrent ?? null,
      freeMemory: this.probe.freeMemory(),
      minFreeMemory: this.limits.minFreeMemory ?? null,
      memory: need.memory,
      cpus: need.cpus,
      cpusHeld: usage.cpus,
      hostCpus: this.probe.cpus(),
      load: this.probe.load(),
      maxLoad: this.limits.maxLoad ?? null,
    };
  }

  /** What an actor of work needs: what it declares, with the default memory when it declares none (the config's memory_per_session). */
  private needOf(record: ActorRecord): Need {
    const need = needOf(record);
    if (need.memory === 0 && this.limits.defaultMemory !== undefined) need.memory = this.limits.defaultMemory;
    return need;
  }

  /** Why `need` cannot be given now, or undefined. */
  private refusal(need: Need): string | undefined {
    const { maxConcurrent, minFreeMemory, maxLoad } = this.limits;
    const usage = this.usage();
    if (maxConcurrent !== undefined && usage.running >= maxConcurrent) return `max_concurrent ${String(maxConcurrent)} reached (${String(usage.running)} running)`;
    // Read only when asked for: os.freemem() parses /proc/meminfo (~0.1 ms, on every spawn).
    if (need.memory > 0 || minFreeMemory !== undefined) {
      const free = this.probe.freeMemory();
      const left = free - need.memory;
      const floor = minFreeMemory ?? 0;
      if (left < floor) return `memory: needs ${mib(need.memory)}, ${mib(free)} free, min_free_memory ${mib(floor)}`;
    }
    const hostCpus = need.cpus > 0 ? this.probe.cpus() : 0;
    if (need.cpus > 0 && usage.cpus + need.cpus > hostCpus) return `cpus: needs ${String(need.cpus)}, ${String(usage.cpus)} of ${String(hostCpus)} held`;
    if (maxLoad !== undefined) {
      const load = this.probe.load();
      if (load > maxLoad) return `load ${load.toFixed(2)} above max_load ${String(maxLoad)}`;
    }
    return undefined;
  }
}

/** A waiting actor that was stopped meanwhile: it waits no more. */
const gone = (record: ActorRecord) => record.stopping || record.status !== 'active';

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)}MiB`;
