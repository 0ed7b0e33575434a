/**
 * Asking the orchestrator that owns a database to do something (control.ts), from another
 * process: the request goes into the inbox, the owner answers in the same row, and this
 * waits for the answer. The way the CLI drives `troupe serve`, and what the HTTP API and
 * MCP can reuse when they run in another process.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventObject } from 'xstate';
import { CONTROL_TARGET } from './control.js';
import { TroupeError, type ErrorCode } from './errors.js';
import { postToInbox } from './inbox-client.js';
import { openReader } from './reader.js';
import { databasePath } from './reader-paths.js';

export interface ControlOptions {
  /** How long to wait for the answer. Default 30 s. */
  readonly timeoutMs?: number;
  /** How often to look for it. Default 10 ms. */
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Sends `request` to the database's owner and resolves with its answer; rejects with the
 * owner's TroupeError (its code and message), NO_OWNER when nobody owns the database (the
 * request is not queued then), or CONTROL_TIMEOUT.
 *
 * @example
 * const { id } = await sendControl('.troupe/state.db', { type: 'troupe.spawn', spec: { kind: 'process', command: 'make' } }) as { id: string };
 */
export async function sendControl(db: string | undefined, request: EventObject & Record<string, unknown>, options: ControlOptions = {}): Promise<unknown> {
  const path = databasePath(db);
  const reader = openReader(path);
  try {
    if (!reader.owner().running) {
      throw new TroupeError('NO_OWNER', `No orchestrator owns ${path} now, so nothing can answer '${request.type}'. Start one with \`troupe serve --db ${path}\`.`, {
        details: { path, type: request.type },
      });
    }
    const seq = postToInbox(path, CONTROL_TARGET, request);
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      const status = reader.inboxMessage(seq);
      if (status.state === 'done' && status.reply) {
        if (status.reply.ok) return status.reply.value;
        throw new TroupeError(status.reply.code as ErrorCode, status.reply.message, { details: { type: request.type, seq } });
      }
      if (Date.now() > deadline) {
        throw new TroupeError('CONTROL_TIMEOUT', `The owner of ${path} did not answer '${request.type}' within ${options.timeoutMs ?? 30_000}ms (message #${seq}). Check it runs: \`troupe ps --db ${path}\`.`, {
          details: { path, type: request.type, seq },
        });
      }
      await sleep(options.pollMs ?? 10, undefined, options.signal ? { signal: options.signal } : {});
    }
  } finally {
    reader.close();
  }
}
