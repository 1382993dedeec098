/**
 * A request's plan, validated and pinned: each operation's params parsed by its processor's schema (so
 * defaults are explicit), and the pipeline version — a hash of the operations, their params, the
 * processors' versions, what of the deployment decides an operation's output (which remote generator
 * `generate_background`'s `auto` would use) and the output spec. The job id derives from the request id and that version:
 * replaying the same request finds the same job; changing anything renders a new, separate job.
 */
import { createHash } from 'node:crypto';
import { MediaStudioError, toMediaStudioError } from '../errors.js';
import { getProcessor, parseParams } from '../processors/index.js';
import type { PipelineEnvironment } from '../processors/types.js';
import type { OperationSpec, OutputSpec } from '../schemas/events.js';

export interface PlannedOperation {
  readonly type: string;
  readonly params: Record<string, unknown>;
}

export interface JobIdentity {
  readonly jobId: string;
  readonly pipelineVersion: string;
}

/** Parses the JSON params of every operation; throws MS_UNKNOWN_OPERATION / MS_INVALID_PARAMS. */
export function validatePlan(operations: readonly OperationSpec[]): PlannedOperation[] {
  return operations.map((op, index) => {
    const processor = getProcessor(op.type);
    let raw: unknown;
    try {
      raw = op.params.trim() === '' ? {} : JSON.parse(op.params);
    } catch (err) {
      throw new MediaStudioError(
        'MS_INVALID_PARAMS',
        `operation ${index} (${op.type}): params are not JSON`,
        { cause: err },
      );
    }
    try {
      return { type: op.type, params: parseParams(processor, raw) as Record<string, unknown> };
    } catch (err) {
      const e = toMediaStudioError(err, 'MS_INVALID_PARAMS');
      throw new MediaStudioError(e.code, `operation ${index} (${op.type}): ${e.message}`, {
        cause: err,
        details: e.details ?? {},
      });
    }
  });
}

/** The plan as it travels in stage events: params as canonical JSON with defaults applied. */
export function toOperationSpecs(plan: readonly PlannedOperation[]): OperationSpec[] {
  return plan.map((op) => ({ type: op.type, params: canonicalJson(op.params) }));
}

/** A deployment with nothing that changes outputs: no remote background generator. */
export const offlineEnvironment: PipelineEnvironment = { backgrounds: null };

export function pipelineVersion(
  plan: readonly PlannedOperation[],
  output: OutputSpec,
  environment: PipelineEnvironment,
): string {
  const pinned = plan.map((op) => {
    const processor = getProcessor(op.type);
    const pins = processor.pinnedEnvironment?.(op.params, environment);
    // Only operations that depend on the deployment carry `environment`: other jobs keep their ids.
    return {
      type: op.type,
      version: processor.version,
      params: op.params,
      ...(pins === undefined ? {} : { environment: pins }),
    };
  });
  return `v1-${sha256(canonicalJson({ plan: pinned, output })).slice(0, 16)}`;
}

/** For a plan that does not validate: still a stable identity, so its failure is recorded once. */
export function invalidPlanVersion(operations: readonly OperationSpec[], output: OutputSpec): string {
  return `invalid-${sha256(canonicalJson({ operations, output })).slice(0, 16)}`;
}

export function jobIdFor(requestId: string, version: string): string {
  return sha256(`${requestId}\u0000${version}`).slice(0, 32);
}

/** JSON with object keys sorted, so equal params hash equally whatever order they were written in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
