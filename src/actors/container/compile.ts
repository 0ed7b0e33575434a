/**
 * A container spec turned into the machine's plain-JSON input: defaults, the command as argv,
 * ports parsed, sizes and durations as numbers, and every mount source checked against
 * `allowedDirs` here, at `spawn`, so a mount that would leak the host fails before Docker runs.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import type { ContainerInput, ContainerMount, ContainerPort, ContainerWaitFor } from '../../machines/container.js';
import { confinedPath } from '../../runtime/confine.js';
import { parseDuration } from '../../runtime/duration.js';
import { TroupeError, describeError } from '../../runtime/errors.js';
import { parseSize } from '../../runtime/size.js';
import { compileWaitFor } from '../../runtime/spec.js';
import type { containerSpecSchema } from './spec.js';

export interface ContainerCompileOptions {
  /** Base for relative mount sources and build contexts. */
  readonly cwd: string;
  readonly allowedDirs: readonly string[] | undefined;
}

type ParsedSpec = z.infer<typeof containerSpecSchema>;

/**
 * Checks a parsed container spec against the world and compiles it. Throws a TroupeError:
 * INVALID_SPEC, INVALID_DURATION, INVALID_SIZE, CWD_NOT_FOUND or CWD_NOT_ALLOWED (a mount
 * source or build context outside `allowedDirs`).
 *
 * @example
 * compileContainerSpec(containerSpecSchema.parse({ kind: 'container', image: 'busybox', command: 'echo hi' }), 'c1', { cwd: '/srv', allowedDirs: undefined })
 * // { id: 'c1', image: 'busybox', command: ['sh', '-c', 'echo hi'], pull: 'missing', ... }
 */
export function compileContainerSpec(spec: ParsedSpec, id: string, options: ContainerCompileOptions): ContainerInput {
  const what = `container spec for '${id}'`;
  const base = resolve(options.cwd);
  if (spec.image === undefined && spec.build === undefined) {
    throw new TroupeError('INVALID_SPEC', `Invalid ${what}: give 'image' (e.g. image: 'redis:7') or 'build' ({ context: './img' }).`, { details: { id } });
  }
  const input: ContainerInput = {
    id,
    image: spec.build ? (spec.build.tag ?? spec.image ?? `troupe/${id.toLowerCase().replace(/[^a-z0-9_.-]/g, '-')}:latest`) : (spec.image as string),
    pull: spec.pull,
    env: spec.env ?? {},
    mounts: (spec.mounts ?? []).map((mount, index) => compileMount(mount, index, id, base, options.allowedDirs)),
    ports: (spec.ports ?? []).map(parsePort),
    graceMs: parseDuration(spec.grace, 'grace'),
    keep: spec.keep ?? false,
    placement: spec.placement,
    docker: spec.docker?.host === undefined ? {} : { host: spec.docker.host },
  };
  if (spec.build) {
    const context = checkedDir(resolve(base, spec.build.context), 'build.context', id, base, options.allowedDirs);
    input.build = { context, dockerfile: spec.build.dockerfile ?? 'Dockerfile' };
  }
  if (spec.command !== undefined) input.command = typeof spec.command === 'string' ? ['sh', '-c', spec.command] : [...spec.command];
  if (spec.workdir !== undefined) input.workdir = spec.workdir;
  if (spec.user !== undefined) input.user = spec.user;
  if (spec.network !== undefined) input.network = spec.network;
  if (spec.resources?.memory !== undefined) input.memoryBytes = parseSize(spec.resources.memory, 'resources.memory');
  if (spec.resources?.cpus !== undefined) input.nanoCpus = Math.round(spec.resources.cpus * 1e9);
  if (spec.resources?.pids !== undefined) input.pids = spec.resources.pids;
  if (spec.wait_for !== undefined) input.waitFor = compileContainerWaitFor(spec.wait_for, what);
  if (spec.timeout !== undefined) input.timeoutMs = parseDuration(spec.timeout, 'timeout');
  if (spec.log_max !== undefined) input.logMaxBytes = parseSize(spec.log_max, 'log_max');
  const publishMode = swarmPublishMode(spec, what, id);
  if (publishMode !== undefined) input.publishMode = publishMode;
  if (spec.placement === 'swarm' && spec.mounts?.length) {
    // A bind mount names a path on whichever node the task lands on, not ours.
    throw new TroupeError('INVALID_SPEC', `Invalid ${what}: mounts: a swarm service may run on another host, where '${spec.mounts[0]?.source ?? ''}' is not ours. Use placement: 'local', or a volume baked into the image.`, { details: { id } });
  }
  return input;
}

/**
 * Ports are loopback-only by default, and Swarm cannot bind a service's port to an address
 * (neither its routing mesh nor host mode takes one): a swarm service's ports are published on
 * every interface, so a spec must say so with `publish`; an address other than 0.0.0.0 could
 * not be honoured and is refused rather than silently widened.
 */
function swarmPublishMode(spec: ParsedSpec, what: string, id: string): 'ingress' | 'host' | undefined {
  if (spec.placement !== 'swarm') {
    if (spec.publish === undefined) return undefined;
    throw new TroupeError(
      'INVALID_SPEC',
      `Invalid ${what}: publish: '${spec.publish}' is for placement: 'swarm'; a local container's port binds to the address in 'ports' (127.0.0.1 unless one is given). Remove publish, or set placement: 'swarm'.`,
      { details: { id, publish: spec.publish } },
    );
  }
  const ports = spec.ports ?? [];
  const addressed = ports.find((port) => /^[\d.]+:\d+:\d+/.test(port) && !port.startsWith('0.0.0.0:'));
  if (addressed !== undefined) {
    throw new TroupeError(
      'INVALID_SPEC',
      `Invalid ${what}: ports: '${addressed}' names an address, but Swarm publishes a service's port on every interface (it cannot bind one address). Write '${addressed.slice(addressed.indexOf(':') + 1)}' with publish: 'ingress' or 'host' to open it on purpose, or use placement: 'local' for a port on that address only.`,
      { details: { id, port: addressed } },
    );
  }
  const first = ports[0];
  if (first !== undefined && spec.publish === undefined) {
    throw new TroupeError(
      'INVALID_SPEC',
      `Invalid ${what}: ports: '${first}' would be published on every interface of the swarm's nodes (Swarm cannot bind a service's port to 127.0.0.1). Add publish: 'ingress' (every node, through the routing mesh) or publish: 'host' (the node running it) to open it on purpose, or use placement: 'local' for a loopback-only port.`,
      { details: { id, port: first } },
    );
  }
  return ports.length > 0 ? spec.publish : undefined;
}

function compileContainerWaitFor(waitFor: NonNullable<ParsedSpec['wait_for']>, what: string): ContainerWaitFor {
  if (typeof waitFor === 'object' && 'exec' in waitFor) return { type: 'exec', command: [...waitFor.exec] };
  const compiled = compileWaitFor(waitFor);
  if (compiled.type === 'output') {
    try {
      new RegExp(compiled.pattern, compiled.flags);
    } catch (err: unknown) {
      throw new TroupeError('INVALID_SPEC', `Invalid ${what}: wait_for: '${compiled.pattern}' is not a valid regular expression (${describeError(err)}).`, { cause: err });
    }
  }
  if (compiled.type === 'file') throw new TroupeError('INVALID_SPEC', `Invalid ${what}: wait_for: { file } looks on the host, not in the container. Use { exec: ['test', '-f', '${compiled.path}'] }.`);
  return compiled;
}

function compileMount(mount: { source: string; target: string; readonly?: boolean | undefined }, index: number, id: string, base: string, allowedDirs: readonly string[] | undefined): ContainerMount {
  const source = resolve(base, mount.source);
  if (!existsSync(source)) {
    throw new TroupeError('CWD_NOT_FOUND', `Mount source '${source}' (mounts.${String(index)}) of '${id}' does not exist. Create it or fix 'source'.`, { details: { id, source } });
  }
  const real = confinedPath(source, base, allowedDirs);
  if (real === undefined) throw outside(source, `mounts.${String(index)}.source`, id, base, allowedDirs ?? []);
  return { source: real, target: mount.target, readonly: mount.readonly ?? false };
}

function checkedDir(path: string, field: string, id: string, base: string, allowedDirs: readonly string[] | undefined): string {
  if (!existsSync(path)) throw new TroupeError('CWD_NOT_FOUND', `Directory '${path}' (${field}) of '${id}' does not exist. Create it or fix '${field}'.`, { details: { id, path } });
  const real = confinedPath(path, base, allowedDirs);
  if (real === undefined) throw outside(path, field, id, base, allowedDirs ?? []);
  return real;
}

function outside(path: string, field: string, id: string, base: string, allowedDirs: readonly string[]): TroupeError {
  const allowed = allowedDirs.map((dir) => resolve(base, dir));
  return new TroupeError(
    'CWD_NOT_ALLOWED',
    `${field} '${path}' of '${id}' is outside the allowed directories (${allowed.join(', ')}). Mount a directory inside one of them.`,
    { details: { id, path, allowedDirs: allowed } },
  );
}

/** `'8080:80'`, `'127.0.0.1:8080:80/udp'`: the schema checked the shape. Loopback unless an address is given. */
function parsePort(text: string): ContainerPort {
  const [mapping = '', protocol = 'tcp'] = text.split('/');
  const parts = mapping.split(':');
  const containerPort = Number(parts.pop());
  const hostPort = Number(parts.pop());
  return { hostIp: parts[0] ?? '127.0.0.1', hostPort, containerPort, protocol: protocol === 'udp' ? 'udp' : 'tcp' };
}
