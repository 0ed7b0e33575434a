/**
 * `${env.NAME}` and `${steps.NAME.outputs.KEY}` in commands, env values and dialog
 * answers. Any other `${...}` is an error (so a shell's `${HOME}` is not silently eaten);
 * `$${` stands for a literal `${`, for the shell to expand.
 */
import { TroupeError } from '../runtime/errors.js';

/** A `${...}` found in a text. `invalid` is anything that is neither form. */
export type TemplateRef =
  | { kind: 'env'; name: string; text: string }
  | { kind: 'output'; step: string; output: string; text: string }
  | { kind: 'invalid'; text: string };

/** What templates are resolved against at run time. */
export interface TemplateContext {
  /** The environment of the invoking process, with `--set` values over it. */
  env: Readonly<Record<string, string | undefined>>;
  /** Outputs of the steps that have settled. */
  steps: Readonly<Record<string, { readonly outputs: Readonly<Record<string, string>> }>>;
}

/**
 * The message for a variable a step reads that is not set: the same wherever it is found.
 *
 * @example
 * missingEnvMessage('deploy', 'TOKEN')
 * // "Step 'deploy' uses ${env.TOKEN}, which is not set; set it in the environment or pass --set TOKEN=..."
 */
export function missingEnvMessage(step: string | undefined, name: string): string {
  const who = step === undefined ? 'The workflow' : `Step '${step}'`;
  return `${who} uses \${env.${name}}, which is not set; set it in the environment or pass --set ${name}=...`;
}

// `$${` first, so an escaped one is never read as a template.
const TEMPLATE = /\$\$\{|\$\{([^}]*)\}/g;
const ENV_REF = /^env\.([A-Za-z_][A-Za-z0-9_]*)$/;
const OUTPUT_REF = /^steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)$/;
/** `${steps.NAME.result}`: short for `${steps.NAME.outputs.result}` (an agent's final message, a kind's output). */
const RESULT_REF = /^steps\.([A-Za-z0-9_-]+)\.result$/;

function parseRef(inner: string, text: string): TemplateRef {
  const env = ENV_REF.exec(inner);
  if (env) return { kind: 'env', name: env[1]!, text };
  const output = OUTPUT_REF.exec(inner);
  if (output) return { kind: 'output', step: output[1]!, output: output[2]!, text };
  const result = RESULT_REF.exec(inner);
  if (result) return { kind: 'output', step: result[1]!, output: 'result', text };
  return { kind: 'invalid', text };
}

/** A piece of a templated text: literal text, a reference, or `$${` (a literal `${`). */
export type TemplatePart = string | TemplateRef | { kind: 'escape' };

/**
 * The one reading of the template grammar: `text` cut into literal text, references and
 * `$${` escapes. Everything that fills in, checks or passes on templates goes through it
 * (compile-time checks, a step's outputs at launch, `${env.NAME}` in the I/O layer).
 *
 * @example templateParts('a ${env.X} $${b}') // ['a ', { kind: 'env', name: 'X', text: '${env.X}' }, ' ', { kind: 'escape' }, 'b}']
 */
export function templateParts(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of text.matchAll(TEMPLATE)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(match[1] === undefined ? { kind: 'escape' } : parseRef(match[1], match[0]));
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/**
 * `text` with each reference replaced by what `fill` returns for it (undefined: left as
 * written), and each `$${` kept as `$${` (`escapes: 'keep'`, for a later pass) or turned
 * into `${` (`'resolve'`, the last pass).
 *
 * @example substitute('${env.A} $${B}', (ref) => (ref.kind === 'env' ? 'x' : undefined), 'resolve') // 'x ${B}'
 */
export function substitute(text: string, fill: (ref: TemplateRef) => string | undefined, escapes: 'keep' | 'resolve'): string {
  // Most texts hold no template: no need to cut them up.
  if (!text.includes('${')) return text;
  return templateParts(text)
    .map((part) => (typeof part === 'string' ? part : part.kind === 'escape' ? (escapes === 'keep' ? '$${' : '${') : (fill(part) ?? part.text)))
    .join('');
}

/**
 * The references in `text`, in order (for the compiler's checks).
 *
 * @example
 * templateRefs('deploy ${steps.build.outputs.version} as ${env.USER}, $${HOME}')
 * // [{ kind: 'output', step: 'build', output: 'version', text: '${steps.build.outputs.version}' },
 * //  { kind: 'env', name: 'USER', text: '${env.USER}' }]
 */
export function templateRefs(text: string): TemplateRef[] {
  return templateParts(text).filter((part): part is TemplateRef => typeof part !== 'string' && part.kind !== 'escape');
}

/**
 * `text` with its templates replaced. A variable that is not set, or an output the step
 * did not produce, is a TroupeError INVALID_WORKFLOW naming it (never a value: a
 * template may stand for a secret).
 *
 * @example
 * renderTemplate('echo ${steps.build.outputs.version}', { env: {}, steps: { build: { outputs: { version: '1.2' } } } })
 * // 'echo 1.2'
 * renderTemplate('login ${env.TOKEN}', { env: process.env, steps: {} }, 'deploy')
 * // throws "Step 'deploy' uses ${env.TOKEN}, which is not set; set it in the environment or pass --set TOKEN=..."
 */
export function renderTemplate(text: string, context: TemplateContext, step?: string): string {
  const who = step === undefined ? 'The workflow' : `Step '${step}'`;
  return substitute(
    text,
    (ref) => {
      if (ref.kind === 'env') {
        const value = context.env[ref.name];
        if (value !== undefined) return value;
        throw new TroupeError('INVALID_WORKFLOW', missingEnvMessage(step, ref.name), {
          details: { step, variable: ref.name },
        });
      }
      if (ref.kind === 'output') {
        const value = context.steps[ref.step]?.outputs[ref.output];
        if (value !== undefined) return value;
        throw missingOutput(ref, who, step);
      }
      throw new TroupeError('INVALID_WORKFLOW', `${who} uses ${ref.text}: write \${env.NAME}, \${steps.NAME.outputs.KEY}, or $\${ for a literal \${.`, {
        details: { step, template: ref.text },
      });
    },
    'resolve',
  );
}

/**
 * The error for an output a step uses that was never produced.
 *
 * @example missingOutput({ kind: 'output', step: 'build', output: 'sha', text: '${steps.build.outputs.sha}' }, "Step 'ship'", 'ship')
 */
export function missingOutput(ref: Extract<TemplateRef, { kind: 'output' }>, who: string, step?: string): TroupeError {
  return new TroupeError(
    'INVALID_WORKFLOW',
    `${who} uses ${ref.text}, but step '${ref.step}' produced no output '${ref.output}' (it did not run, or its pattern did not match its output). Check the pattern in its 'outputs', or its condition.`,
    { details: { step, from: ref.step, output: ref.output } },
  );
}

/**
 * The environment variables `texts` read, each once, so a caller can check them all before
 * anything starts.
 *
 * @example
 * envNames(['${env.A} ${env.B}', '${env.A}']) // ['A', 'B']
 */
export function envNames(texts: Iterable<string>): string[] {
  const names = new Set<string>();
  for (const text of texts) for (const ref of templateRefs(text)) if (ref.kind === 'env') names.add(ref.name);
  return [...names];
}
