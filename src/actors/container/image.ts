/**
 * The image a container runs: found on the engine, pulled (`pull: missing | always | never`)
 * or built from a context directory, with failures as IMAGE_NOT_FOUND or BUILD_FAILED that
 * say what to do.
 */
import { readdirSync } from 'node:fs';
import type Docker from 'dockerode';
import { TroupeError } from '../../runtime/errors.js';
import type { ContainerInput } from '../../machines/container.js';
import { dockerError, dockerMessage, dockerStatus, showEndpoint } from './client.js';

/** Lines of the build log a BUILD_FAILED message carries. */
const BUILD_TAIL_LINES = 20;

/**
 * Makes the input's image present on the engine; `onWork` is called before a build or pull
 * (the actor is then `building`).
 *
 * @example await ensureImage(docker, input, endpoint, () => report({ type: 'container.building' }))
 */
export async function ensureImage(docker: Docker, input: ContainerInput, endpoint: string, onWork: () => void): Promise<void> {
  if (input.build) {
    onWork();
    return buildImage(docker, input, endpoint);
  }
  if (input.pull !== 'always' && (await hasImage(docker, input.image, endpoint))) return;
  if (input.pull === 'never') {
    throw new TroupeError(
      'IMAGE_NOT_FOUND',
      `Image '${input.image}' of '${input.id}' is not on the Docker engine at '${showEndpoint(endpoint)}', and pull is 'never'. Build it (docker build -t ${input.image} <dir>) or set pull: 'missing'.`,
      { details: { image: input.image, endpoint: showEndpoint(endpoint) } },
    );
  }
  onWork();
  await pullImage(docker, input, endpoint);
}

async function hasImage(docker: Docker, image: string, endpoint: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch (err: unknown) {
    if (dockerStatus(err) === 404) return false;
    throw dockerError(err, endpoint, `looking for image '${image}'`);
  }
}

/**
 * The registry an image reference is pulled from, as `docker pull` reads it.
 *
 * @example registryOf('redis:7') // 'docker.io'
 * @example registryOf('ghcr.io/org/app:1') // 'ghcr.io'
 */
export function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

async function pullImage(docker: Docker, input: ContainerInput, endpoint: string): Promise<void> {
  const notPulled = (why: string, cause?: unknown) =>
    new TroupeError(
      'IMAGE_NOT_FOUND',
      `Image '${input.image}' of '${input.id}' could not be pulled from ${registryOf(input.image)} by the Docker engine at '${showEndpoint(endpoint)}': ${why}. Build it locally (docker build -t ${input.image} <dir>, or the spec's build), or check the name and the registry.`,
      { cause, details: { image: input.image, registry: registryOf(input.image) } },
    );
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await docker.pull(input.image)) as NodeJS.ReadableStream;
  } catch (err: unknown) {
    const mapped = dockerError(err, endpoint, `pulling '${input.image}'`);
    if (mapped.code === 'DOCKER_UNAVAILABLE') throw mapped;
    throw notPulled(dockerMessage(err), err);
  }
  const failure = await followProgress(docker, stream);
  if (failure !== undefined) throw notPulled(failure);
}

async function buildImage(docker: Docker, input: ContainerInput, endpoint: string): Promise<void> {
  const build = input.build as NonNullable<ContainerInput['build']>;
  let stream: NodeJS.ReadableStream;
  try {
    // dockerode packs the listed files of the context (tar) itself.
    const src = readdirSync(build.context, { recursive: true, withFileTypes: true })
      .filter((entry) => !entry.isDirectory())
      .map((entry) => `${entry.parentPath.slice(build.context.length + 1)}${entry.parentPath.length > build.context.length ? '/' : ''}${entry.name}`);
    stream = await docker.buildImage({ context: build.context, src }, { t: input.image, dockerfile: build.dockerfile, rm: true, forcerm: true });
  } catch (err: unknown) {
    const mapped = dockerError(err, endpoint, `building '${input.image}'`);
    if (mapped.code === 'DOCKER_UNAVAILABLE') throw mapped;
    throw buildFailed(input, dockerMessage(err), [], err);
  }
  const lines: string[] = [];
  const failure = await followProgress(docker, stream, (text) => {
    lines.push(...text.split('\n').filter((line) => line.trim() !== ''));
    if (lines.length > BUILD_TAIL_LINES * 2) lines.splice(0, lines.length - BUILD_TAIL_LINES);
  });
  if (failure !== undefined) throw buildFailed(input, failure, lines.slice(-BUILD_TAIL_LINES));
}

function buildFailed(input: ContainerInput, why: string, tail: string[], cause?: unknown): TroupeError {
  const build = input.build as NonNullable<ContainerInput['build']>;
  const log = tail.length > 0 ? `\n${tail.map((line) => `  ${line.trimEnd()}`).join('\n')}` : '';
  return new TroupeError(
    'BUILD_FAILED',
    `The build of '${input.image}' for '${input.id}' from '${build.context}' (${build.dockerfile}) failed: ${why}. Fix the Dockerfile or the context and spawn again. The end of the build log:${log}`,
    { cause, details: { image: input.image, context: build.context, tail } },
  );
}

/** Reads a pull's or build's JSON progress stream to its end; resolves with the error it reported, if any. */
function followProgress(docker: Docker, stream: NodeJS.ReadableStream, onText?: (text: string) => void): Promise<string | undefined> {
  return new Promise((resolve) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (err: Error | null) => resolve(failure ?? (err ? err.message : undefined)),
      (event: { stream?: string; error?: string; errorDetail?: { message?: string } }) => {
        if (event.stream !== undefined) onText?.(event.stream);
        if (event.error !== undefined) {
          failure ??= (event.errorDetail?.message ?? event.error).trim();
          onText?.(event.error);
        }
      },
    );
  });
}
