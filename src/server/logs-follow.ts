/**
 * `GET /api/actors/:id/logs?follow=1`: the log's last lines (`tail`, default 10) or from
 * `offset`, then what the actor prints from now on, as one chunked text/plain response,
 * until the client hangs up (`troupe logs -f` over HTTP). Live chunks come from the actor's
 * output sink, read in the same tick as the file, so nothing is missed or printed twice; a
 * restarted actor's new output follows on. A client that does not read is cut off.
 */
import { operationNamed } from './operations/index.js';
import type { Route } from './router.js';
import { logFileIn } from '../runtime/reader-paths.js';
import { readLogPage } from './log-read.js';
import { inputOf } from './operation-routes.js';
import { parseInput, runOperation } from './run-operation.js';

/** Unsent bytes past which a follower is cut off. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

/** @example new Router([{ name: 'logs', routes: [followLogsRoute] }]) */
export const followLogsRoute: Route = {
  method: 'GET',
  path: '/api/actors/:id/logs',
  accepts: (query) => query.get('follow') === '1' || query.get('follow') === 'true',
  handle: async (req, res) => {
    const logs = operationNamed('actor.logs');
    const query = new URLSearchParams(req.query);
    query.delete('follow');
    const input = parseInput(logs, inputOf(logs.input, { params: req.params, query, body: undefined })) as { id: string; tail?: number; offset?: number };
    // Checks the actor exists (ACTOR_NOT_FOUND) the way the plain route does.
    await runOperation({ orc: req.orc }, logs, { id: input.id, length: 1 });
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    const offs: Array<() => void> = [];
    const stop = () => {
      for (const off of offs.splice(0)) off();
    };
    // Subscribed first, the sink flushed: the page then holds every byte written so far (the
    // sink writes its file in batches), the subscription every later one.
    offs.push(
      req.orc.watchOutputs((actor, sink) => {
        if (actor !== input.id || sink.closed) return;
        sink.flush();
        offs.push(
          sink.subscribe((chunk) => {
            res.write(chunk);
            if (res.writableLength > MAX_PENDING_BYTES) {
              stop();
              res.destroy();
            }
          }),
        );
      }),
    );
    const page = readLogPage(logFileIn(req.orc.logsDir, input.id), input.offset !== undefined ? { offset: input.offset } : { tail: input.tail ?? 10 });
    res.write(page.text);
    res.on('close', stop);
  },
};
