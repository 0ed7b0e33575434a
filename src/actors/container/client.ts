/**
 * Which Docker engine a container runs on, and the one dockerode client per endpoint:
 * `docker.host` in the spec (`unix://`, `tcp://`, `ssh://user@host`), else DOCKER_HOST, else
 * the default socket. Errors from the engine become TroupeErrors that name the endpoint.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import Docker from 'dockerode';
import { TroupeError, describeError } from '../../runtime/errors.js';

/** Where Docker listens when neither the spec nor DOCKER_HOST says. @example dockerEndpoint(undefined) // DEFAULT_DOCKER_HOST without DOCKER_HOST */
export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

/** The labels every container and service of ours carries. @example docker ps --filter label=troupe.db=3f9a1c2e5b7d */
export const LABEL_DB = 'troupe.db';
export const LABEL_ACTOR = 'troupe.actor';
export const LABEL_OWNER = 'troupe.owner';

/**
 * The endpoint a spec's `docker.host` leads to.
 *
 * @example dockerEndpoint(undefined) // process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'
 */
export function dockerEndpoint(host: string | undefined): string {
  return host ?? process.env['DOCKER_HOST'] ?? DEFAULT_DOCKER_HOST;
}

const clients = new Map<string, Docker>();

/**
 * The client of an endpoint, made once. `ssh://` goes through ssh2 with the agent
 * (SSH_AUTH_SOCK), as the docker CLI does; `tcp://` is plain HTTP unless DOCKER_TLS_VERIFY
 * and DOCKER_CERT_PATH say otherwise (read by docker-modem).
 *
 * @example const docker = dockerClient('tcp://10.0.0.5:2375')
 */
export function dockerClient(endpoint: string): Docker {
  let client = clients.get(endpoint);
  if (client) return client;
  const url = new URL(endpoint);
  if (url.protocol === 'unix:') client = new Docker({ socketPath: url.pathname });
  else if (url.protocol === 'ssh:') {
    const agent = process.env['SSH_AUTH_SOCK'];
    client = new Docker({
      protocol: 'ssh',
      host: url.hostname,
      port: url.port === '' ? 22 : Number(url.port),
      ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
      ...(agent === undefined ? {} : { sshOptions: { agent } }),
    });
  } else if (process.env['DOCKER_TLS_VERIFY'] && process.env['DOCKER_HOST'] === endpoint) client = new Docker();
  else client = new Docker({ protocol: 'http', host: url.hostname, port: url.port === '' ? 2375 : Number(url.port) });
  clients.set(endpoint, client);
  return client;
}

/**
 * The endpoint as messages show it: no password, ever.
 *
 * @example showEndpoint('tcp://me:secret@10.0.0.5:2376') // 'tcp://me@10.0.0.5:2376'
 */
export function showEndpoint(endpoint: string): string {
  return endpoint.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1@');
}

/**
 * The value of the `troupe.db` label: a hash of the database's absolute path, so two
 * projects on one engine never touch each other's containers.
 *
 * @example dbLabel('/srv/app/.troupe/state.db') // '3f9a1c2e5b7d'
 */
export function dbLabel(dbKey: string): string {
  return createHash('sha256').update(resolve(dbKey)).digest('hex').slice(0, 12);
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE']);

/**
 * An error from dockerode as a TroupeError: DOCKER_UNAVAILABLE when the engine could not be
 * reached, else DOCKER_FAILED with Docker's own message and `doing`.
 *
 * @example throw dockerError(err, endpoint, 'creating the container')
 */
export function dockerError(err: unknown, endpoint: string, doing: string): TroupeError {
  if (err instanceof TroupeError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const shown = showEndpoint(endpoint);
  if ((typeof code === 'string' && UNREACHABLE.has(code)) || /connect|socket hang up|handshake|authentication/i.test(describeError(err))) {
    return new TroupeError(
      'DOCKER_UNAVAILABLE',
      `Docker is not reachable at '${shown}' (${describeError(err)}). Start dockerd (sudo systemctl start docker, or dockerd &), or set DOCKER_HOST or the spec's docker.host to a running engine.`,
      { cause: err, details: { endpoint: shown } },
    );
  }
  return new TroupeError('DOCKER_FAILED', `Docker at '${shown}' failed while ${doing}: ${dockerMessage(err)}`, { cause: err, details: { endpoint: shown } });
}

/**
 * Docker's own words from an API error (its JSON body's `message`), else the error's message.
 *
 * @example dockerMessage(err) // 'No such image: app:1'
 */
export function dockerMessage(err: unknown): string {
  const json = (err as { json?: { message?: unknown } } | null)?.json;
  if (json && typeof json.message === 'string') return json.message.trim();
  return describeError(err).replace(/^\(HTTP code \d+\)\s*[\w ]*-\s*/, '').trim();
}

/**
 * The HTTP status of a dockerode API error (404 for a missing container or image).
 *
 * @example if (dockerStatus(err) === 404) return undefined
 */
export function dockerStatus(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
