/**
 * The field-level rules of the workflow format (spec.ts): names, durations, regexes and
 * environment maps, each with the message a user gets for a bad value.
 */
import { z } from 'zod';
import { isDuration } from '../runtime/duration.js';

/** Step names appear in `depends_on`, `${steps.NAME...}`, actor paths and CLI arguments. */
export const STEP_NAME = /^[A-Za-z0-9_-]+$/;
/** Output names appear in `${steps.NAME.outputs.KEY}`. */
export const OUTPUT_NAME = /^[A-Za-z0-9_-]+$/;
/** What a shell accepts as a variable name. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The reason a regex source does not compile (`Unterminated group`), or undefined when it does. */
export function regexError(source: string, flags = ''): string | undefined {
  try {
    new RegExp(source, flags);
    return undefined;
  } catch (err: unknown) {
    // V8 says "Invalid regular expression: /(a/: Unterminated group"; the pattern is quoted by us.
    const message = err instanceof Error ? err.message : String(err);
    return /^Invalid regular expression: \/.*\/[a-z]*: (.*)$/s.exec(message)?.[1] ?? message;
  }
}

/** Flags that make sense for matching a stream (no g or y: they carry state between matches). */
export const REGEX_FLAGS = /^[imsu]*$/;

/** The JSON Schema's idea of a duration string, kept equal to `isDuration` by a test. */
export const DURATION_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)?\\s*$';

/** A bad value as messages quote it: `'abc'` for a string, JSON otherwise. @example quoted('5x') // "'5x'" */
export const quoted = (value: unknown): string => (typeof value === 'string' ? `'${value}'` : JSON.stringify(value));

/** A duration field (milliseconds, or '30s'...) with its description. @example timeout: duration('How long the step may run.').optional() */
export const duration = (description: string) =>
  z
    .union([z.number(), z.string()])
    .refine(isDuration, {
      error: (issue) => `${quoted(issue.input)} is not a duration; write milliseconds (500) or a number with a unit: '500ms', '30s', '5m', '1h'`,
    })
    // For editors only (`pattern` constrains strings, not numbers); isDuration is the rule, and a test keeps the two in step.
    .meta({ pattern: DURATION_PATTERN, examples: ['500ms', '30s', '5m'] })
    .describe(`${description} Milliseconds, or a number with a unit: '500ms', '30s', '5m', '1h'.`);

/** A regex field, refused with the reason when it does not compile. @example match: regex('A regex on the output.') */
export const regex = (description: string) =>
  z
    .string()
    .min(1)
    .superRefine((source, ctx) => {
      const why = regexError(source);
      if (why !== undefined) ctx.addIssue({ code: 'custom', message: `'${source}' is not a valid regular expression (${why}); escape special characters such as ( [ . * with \\` });
    })
    .describe(description);

/** A regex whose first capture group is an output's value. */
export const captureRegex = regex('A regex on the output; the first capture group is the value.').superRefine((source, ctx) => {
  // An alternative that matches the empty string reveals how many groups the pattern has.
  if (source !== '' && regexError(source) === undefined && new RegExp(`${source}|`).exec('')!.length === 1) {
    ctx.addIssue({ code: 'custom', message: `'${source}' has no capture group; wrap the value in ( ), e.g. 'version=(\\S+)'` });
  }
});

/** A name field (step, output...) of letters, digits, '_' and '-'. @example name: nameOf('step name') */
export const nameOf = (what: string) =>
  z.string().regex(STEP_NAME, {
    error: (issue) => `${quoted(issue.input)} is not a valid ${what}; use letters, digits, '_' and '-'`,
  });

/** A step's `env`: variable names to values (YAML numbers and booleans taken as text). */
export const envSchema = z
  .record(
    z.string().regex(ENV_NAME, { error: (issue) => `${quoted(issue.input)} is not a variable name; use letters, digits and '_', not starting with a digit` }),
    // YAML reads `PORT: 8080` as a number and `DEBUG: true` as a boolean; the environment only holds strings.
    z.union([z.string(), z.number(), z.boolean()]),
  )
  .describe('Environment variables. Values may use ${env.NAME} and ${steps.NAME.outputs.KEY}.');
