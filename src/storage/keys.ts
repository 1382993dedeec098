/**
 * Deterministic object keys: the same job and step always write to the same key, so a redone step
 * overwrites its own artifact. Path parts are validated here, never taken raw from an event.
 * Intermediates live under `work/` so one lifecycle rule on that prefix expires them all.
 */
import { MediaStudioError } from '../errors.js';

const SAFE_PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function safePathPart(value: string, what: string): string {
  if (!SAFE_PART.test(value) || value.includes('..')) {
    throw new MediaStudioError(
      'MS_INVALID_REQUEST',
      `${what} must match ${SAFE_PART} (got ${JSON.stringify(value.slice(0, 80))})`,
    );
  }
  return value;
}

export interface JobKeyParts {
  readonly storeId: string;
  readonly productId: string;
  readonly jobId: string;
}

function jobPrefix({ storeId, productId, jobId }: JobKeyParts): string {
  return `stores/${safePathPart(storeId, 'storeId')}/products/${safePathPart(productId, 'productId')}/${safePathPart(jobId, 'jobId')}`;
}

export const objectKeys = {
  /** The decoded, oriented, sRGB, metadata-free source as lossless PNG. */
  source: (job: JobKeyParts) => `work/${jobPrefix(job)}/source.png`,
  /** The lossless output of step `step`. */
  step: (job: JobKeyParts, step: number, operation: string) =>
    `work/${jobPrefix(job)}/step-${String(step).padStart(2, '0')}-${safePathPart(operation, 'operation')}.png`,
  /** A published output: `original` or a size variant. */
  output: (job: JobKeyParts, variant: string, extension: string) =>
    `${jobPrefix(job)}/${safePathPart(variant, 'variant')}.${safePathPart(extension, 'extension')}`,
} as const;
