/**
 * The registry of operations this build can run, and the one place params are validated: the stage runner,
 * the CLI and the HTTP API all go through `getProcessor` and `parseParams`, so an unknown operation or a bad
 * param fails the same way (and as a permanent error) wherever it comes from.
 */

import type { z } from 'zod';
import { MediaStudioError } from '../errors.js';
import { type OperationName, operationNames } from '../schemas/vocabulary.js';
import { crop } from './crop.js';
import { enhance } from './enhance.js';
import { generateBackground } from './generate-background.js';
import { removeBackground } from './remove-background.js';
import { removeWatermark } from './remove-watermark.js';
import { replaceBackground } from './replace-background.js';
import { resize } from './resize.js';
import type { JsonValue, Processor } from './types.js';

/** Operations available in this build; the others in `operationNames` are known but not implemented yet. */
export const processors = {
  remove_background: removeBackground,
  resize,
  crop,
  replace_background: replaceBackground,
  enhance,
  remove_watermark: removeWatermark,
  generate_background: generateBackground,
} as const satisfies Partial<Record<OperationName, Processor>>;

const available: Partial<Record<OperationName, Processor>> = processors;

export const availableOperations = Object.keys(processors) as OperationName[];

const isOperationName = (name: string): name is OperationName =>
  (operationNames as readonly string[]).includes(name);

/** The processor for `name`, or MS_UNKNOWN_OPERATION (permanent: the plan can never run). */
export function getProcessor(name: string): Processor {
  const processor = isOperationName(name) ? available[name] : undefined;
  if (processor) return processor;
  const known = isOperationName(name);
  const message = known
    ? `operation ${name} is not available in this build (available: ${availableOperations.join(', ')})`
    : `unknown operation ${JSON.stringify(name)}; operations are ${operationNames.join(', ')}`;
  throw new MediaStudioError('MS_UNKNOWN_OPERATION', message, {
    details: { operation: name, known, available: availableOperations },
  });
}

export interface ParamsIssue {
  /** Dotted path to the offending param, empty for the params object itself. */
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

/**
 * Validates raw params (from an event, the CLI or the API) against the processor's schema, applying defaults.
 * Missing params mean `{}`. Failure is MS_INVALID_PARAMS with every issue in one readable line and, for
 * machines, in `details.issues`.
 */
export function parseParams<S extends z.ZodType>(processor: Processor<S>, rawParams: unknown): z.output<S> {
  const result = processor.params.safeParse(rawParams ?? {});
  if (result.success) return result.data;
  const issues: ParamsIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    code: issue.code,
    message: issue.message,
  }));
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  throw new MediaStudioError('MS_INVALID_PARAMS', `invalid params for ${processor.name}: ${summary}`, {
    cause: result.error,
    details: { operation: processor.name, issues },
  });
}

/**
 * The params of one step as they will run: validated, defaults applied, keys sorted. Two spellings of the same
 * request (`{}` and `{"mode":"fit"}`, `#FFFFFF` and `#ffffff`) give the same value, so `JSON.stringify` of it
 * is a stable input for the pipeline version hash.
 */
export function normaliseParams(name: string, rawParams: unknown): { [key: string]: JsonValue } {
  const params = toJson(parseParams(getProcessor(name), rawParams), name);
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new MediaStudioError('MS_INVALID_PARAMS', `params for ${name} must be an object`);
  }
  return params;
}

/** A JSON copy with object keys sorted and undefined members dropped. */
function toJson(value: unknown, name: string): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (Array.isArray(value)) return value.map((v) => toJson(v, name));
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = toJson(member, name);
    }
    return out;
  }
  // A schema that outputs a Date, a bigint or a NaN is a bug in that schema, not in the request.
  throw new TypeError(`params of ${name} are not JSON: ${String(value)}`);
}
