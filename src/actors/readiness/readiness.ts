/**
 * Readiness probes for a process's `wait_for`: a regex over its output, or polling a TCP
 * port, a file or an HTTP URL. Every probe stops when its AbortSignal fires and leaves no
 * socket or timer behind; none of them throws: they resolve true (ready) or false (aborted).
 */
import { StringDecoder } from 'node:string_decoder';
import { access } from 'node:fs/promises';
import { connect } from 'node:net';
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CompiledWaitFor } from '../../runtime/spec.js';

/** Characters of earlier output kept so a match split across chunks is still found. */
export const DEFAULT_MATCH_WINDOW = 8 * 1024;
/** Pause between two attempts of a polling probe. */
export const DEFAULT_PROBE_INTERVAL_MS = 50;
/** One connection attempt may take this long before it counts as "not yet". */
const ATTEMPT_TIMEOUT_MS = 1_000;

/** Feeds output chunks to a regex; remembers the first match. */
export interface OutputMatcher {
  /** Scans `chunk` together with the tail of earlier output; true once matched. */
  push(chunk: Uint8Array | string): boolean;
  readonly matched: boolean;
}

/**
 * A matcher for `wait_for: 'listening on'`. Only the last `window` characters of earlier
 * output are kept, so memory stays bounded however long the process talks before it is ready.
 *
 * @example
 * const matcher = createOutputMatcher('listening on \\d+', '')
 * matcher.push('listening ') // false
 * matcher.push('on 8080\n')  // true
 */
export function createOutputMatcher(pattern: string, flags = '', window = DEFAULT_MATCH_WINDOW): OutputMatcher {
  // 'g' and 'y' make test() stateful (lastIndex); we want "anywhere in this text".
  const regex = new RegExp(pattern, flags.replace(/[gy]/g, ''));
  // Keeps a multi-byte character split between two chunks whole.
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let matched = false;
  return {
    get matched() {
      return matched;
    },
    push(chunk) {
      if (matched) return true;
      const text = carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
      if (regex.test(text)) {
        matched = true;
        carry = '';
        return true;
      }
      carry = text.length > window ? text.slice(-window) : text;
      return false;
    },
  };
}

export interface ProbeOptions {
  /** Stops the probe; it then resolves false. */
  readonly signal: AbortSignal;
  readonly intervalMs?: number;
}

/** The probes that poll something outside the process. */
export type PolledWaitFor = Exclude<CompiledWaitFor, { type: 'output' }>;

/**
 * Polls until `waitFor` holds (true) or the signal aborts (false).
 *
 * @example
 * const controller = new AbortController()
 * if (await probeReadiness({ type: 'port', port: 8080, host: '127.0.0.1' }, { signal: controller.signal })) ready()
 */
export async function probeReadiness(waitFor: PolledWaitFor, options: ProbeOptions): Promise<boolean> {
  const { signal, intervalMs = DEFAULT_PROBE_INTERVAL_MS } = options;
  const check = checkFor(waitFor);
  while (!signal.aborted) {
    if (await check(signal)) return !signal.aborted;
    try {
      await sleep(intervalMs, undefined, { signal });
    } catch {
      return false; // aborted while waiting
    }
  }
  return false;
}

function checkFor(waitFor: PolledWaitFor): (signal: AbortSignal) => Promise<boolean> {
  switch (waitFor.type) {
    case 'port':
      return (signal) => canConnect(waitFor.host, waitFor.port, signal);
    case 'file':
      return () => access(waitFor.path).then(
        () => true,
        () => false,
      );
    case 'http':
      return (signal) => answers(waitFor.url, waitFor.status, signal);
  }
}

/** One TCP connect attempt. */
function canConnect(host: string, port: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(ok);
    };
    const onAbort = () => done(false);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(ATTEMPT_TIMEOUT_MS, () => done(false));
  });
}

/** One GET: ready on a 2xx, or on exactly `status` when one is asked for. */
function answers(url: string, status: number | undefined, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      request.destroy();
      resolve(ok);
    };
    const client = url.startsWith('https:') ? https : http;
    // agent: false so no kept-alive socket outlives the probe. The certificate is not
    // checked: we only ask whether the server answers, and dev servers are often self-signed.
    const request = client.get(url, { agent: false, signal, timeout: ATTEMPT_TIMEOUT_MS, rejectUnauthorized: false }, (response) => {
      const code = response.statusCode ?? 0;
      response.destroy(); // the body does not matter, and may never end (event streams)
      done(status === undefined ? code >= 200 && code < 300 : code === status);
    });
    request.once('timeout', () => done(false));
    request.once('error', () => done(false));
  });
}
