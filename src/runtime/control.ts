/**
 * The orchestrator's own inbox address: requests to the orchestrator rather than to an
 * actor (spawn this, stop that, start a run), from any process that can write the
 * database: the CLI while `troupe serve` (or any program) owns it, and later the HTTP API
 * and MCP. Each request is one inbox row, delivered once, in order, like any message; its
 * answer is written back to the same row (`reply`), which the asker polls.
 */
import type { EventObject } from 'xstate';
import { TroupeError, describeError } from './errors.js';

/** The inbox target of requests to the orchestrator itself; no actor id can take it (ids start with a letter or digit). */
export const CONTROL_TARGET = '@troupe';

/** A request's answer, as stored: the handler's value, or its error's code and message. */
export type ControlReply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly code: string; readonly message: string };

/** Handles one request type; may answer later (a promise). Throws a TroupeError for a bad request. */
export type ControlHandler = (request: EventObject & Record<string, unknown>) => unknown;

/**
 * The request types the orchestrator answers, registered by the runtime (`troupe.spawn`,
 * `troupe.stop`) and by kinds through their api (`ctx.control('troupe.run', ...)`).
 *
 * @example
 * const handlers = new ControlHandlers();
 * handlers.register('troupe.ping', () => ({ pid: process.pid }));
 * await handlers.dispatch({ type: 'troupe.ping' }) // { ok: true, value: { pid: 4242 } }
 */
export class ControlHandlers {
  private readonly handlers = new Map<string, ControlHandler>();

  /** Adds a request type; CONTROL_EXISTS when another part registered it already. */
  register(type: string, handler: ControlHandler): void {
    if (this.handlers.has(type)) {
      throw new TroupeError('CONTROL_EXISTS', `Control request '${type}' is already handled. Register each request type once.`, { details: { type } });
    }
    this.handlers.set(type, handler);
  }

  /** The request types there are, for messages and `troupe.ping`. */
  types(): string[] {
    return [...this.handlers.keys()].sort();
  }

  /** Answers a request; never rejects: a failure is an `ok: false` reply. */
  async dispatch(request: EventObject): Promise<ControlReply> {
    const handler = this.handlers.get(request.type);
    if (!handler) {
      return { ok: false, code: 'CONTROL_UNKNOWN', message: `The orchestrator does not handle '${request.type}'. It handles: ${this.types().join(', ')}. Is this troupe older than the one that asked?` };
    }
    try {
      return { ok: true, value: (await handler(request as EventObject & Record<string, unknown>)) ?? null };
    } catch (err: unknown) {
      if (err instanceof TroupeError) return { ok: false, code: err.code, message: err.message };
      return { ok: false, code: 'CONTROL_FAILED', message: `'${request.type}' failed: ${describeError(err)}` };
    }
  }
}
