/**
 * ELK layouts off the serve's event loop: a layout of a big machine takes up to a second of
 * CPU, which on the main thread would stall the stream, the API and the control plane. One
 * worker thread (started at the first layout, holding the process open only while a layout
 * is awaited) runs elkjs; layouts are asked for by message and answered in any order.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ElkNode } from 'elkjs/lib/elk-api.js';

/** The worker's code: plain CommonJS, so it runs the same from the sources and from dist/. */
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const ELK = require(workerData.elk);
const elk = new ELK();
parentPort.on('message', ({ id, graph }) => {
  elk.layout(graph).then(
    (laid) => parentPort.postMessage({ id, laid }),
    (err) => parentPort.postMessage({ id, error: String(err && err.message || err) }),
  );
});
`;

let worker: Worker | undefined;
let next = 0;
const waiting = new Map<number, { resolve: (laid: ElkNode) => void; reject: (err: Error) => void }>();

function start(): Worker {
  const elk = createRequire(import.meta.url).resolve('elkjs/lib/elk.bundled.js');
  const started = new Worker(WORKER_CODE, { eval: true, workerData: { elk } });
  started.on('message', ({ id, laid, error }: { id: number; laid?: ElkNode; error?: string }) => {
    const waiter = waiting.get(id);
    waiting.delete(id);
    if (waiting.size === 0) started.unref();
    if (error !== undefined) waiter?.reject(new Error(`ELK could not lay out the statechart: ${error}`));
    else waiter?.resolve(laid!);
  });
  started.on('error', (err) => fail(err));
  started.on('exit', () => fail(new Error('the layout worker exited')));
  return started;
}

/** Every layout waiting is failed, and the next one starts a new worker. */
function fail(err: Error): void {
  worker = undefined;
  for (const waiter of waiting.values()) waiter.reject(err);
  waiting.clear();
}

/**
 * Lays out an ELK graph in the worker thread.
 *
 * @example const laid = await layoutInWorker({ id: 'root', children: [...], edges: [...] });
 */
export function layoutInWorker(graph: ElkNode): Promise<ElkNode> {
  worker ??= start();
  const id = next++;
  // Held open while a layout is awaited, let go once none is (an idle worker keeps no process alive).
  worker.ref();
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    worker!.postMessage({ id, graph });
  });
}
