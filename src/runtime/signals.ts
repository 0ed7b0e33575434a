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

/** Called by `close()`: a closed orchestrator needs no signal handling. */
export function forgetSignals(orc: Closable): void {
  open.delete(orc);
}
