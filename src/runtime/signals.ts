/** What signal handling needs of an orchestrator. */
interface Closable {
  close(): Promise<void>;
}

const open = new Set<Closable>();
let installed = false;

/**
 * SIGINT and SIGTERM close every open orchestrator (stopping the processes they started)
 * and then exit with 128 + the signal number, as a shell would report it. One handler for
 * the whole process, however many orchestrators it opens.
 */
export function closeOnSignals(orc: Closable): void {
  open.add(orc);
  if (installed) return;
  installed = true;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      void Promise.allSettled([...open].map((o) => o.close())).then(() => process.exit(code));
    });
  }
}

const exiting = new Set<() => void>();

/**
 * Runs `fn` if the process exits while it is registered (an uncaught exception, an unhandled
 * rejection, `process.exit()`): synchronously, as Node runs 'exit' handlers. One listener for
 * the whole process, however many orchestrators it opens. Returns the unregister.
 *
 * @example const off = onExit(() => writes.flush());
 */
export function onExit(fn: () => void): () => void {
  if (exiting.size === 0) process.on('exit', runExitHandlers);
  exiting.add(fn);
  return () => {
    exiting.delete(fn);
    if (exiting.size === 0) process.off('exit', runExitHandlers);
  };
}

function runExitHandlers(): void {
  for (const fn of [...exiting]) fn();
}

/** Called by `close()`: a closed orchestrator needs no signal handling. */
export function forgetSignals(orc: Closable): void {
  open.delete(orc);
}
