/**
 * `media-studio process`: the embedded default. Runs the same processors as the stream processor, in
 * process, on files or URLs, with no services; this is also the contract every operation is evaluated by:
 *   media-studio process --out DIR [--format png|jpeg|webp] [--quality N] [--sizes] --op NAME[=JSON]... INPUT...
 * Each input writes DIR/<stem>.<ext> (and DIR/<stem>.<variant>.<ext> with --sizes). A bad input is
 * reported on stderr and the rest still run; the exit status is non-zero if any input failed.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { createBackgroundSource } from '../backgrounds/openai-background-source.js';
import type { Config } from '../config.js';
import { validatePlan } from '../consumers/job-plan.js';
import { MediaStudioError, toMediaStudioError } from '../errors.js';
import { parseAllowRules } from '../fetch/address-policy.js';
import { safeFetch } from '../fetch/safe-fetch.js';
import { createModelProvider } from '../models/index.js';
import { decodeImage } from '../processors/codec.js';
import { encodeOutputs } from '../processors/encode-output.js';
import { getProcessor } from '../processors/index.js';
import type { Metadata } from '../processors/types.js';
import type { OperationSpec } from '../schemas/events.js';
import type { ImageFormat } from '../schemas/vocabulary.js';

export interface ProcessOptions {
  readonly out: string;
  readonly format: ImageFormat;
  readonly quality: number;
  readonly sizes: boolean;
  readonly ops: readonly string[];
  readonly inputs: readonly string[];
  /** Print one JSON line per input with timings and metadata. */
  readonly json?: boolean;
}

export interface ProcessReport {
  readonly input: string;
  readonly ok: boolean;
  readonly outputs: string[];
  readonly error?: { code: string; message: string };
  readonly steps: { operation: string; ms: number; metadata: Metadata }[];
}

/** Parses `NAME` or `NAME={json}` into an operation spec; the params are validated with the plan. */
export function parseOpArgument(arg: string): OperationSpec {
  const eq = arg.indexOf('=');
  if (eq < 0) return { type: arg.trim(), params: '{}' };
  return { type: arg.slice(0, eq).trim(), params: arg.slice(eq + 1) };
}

export async function runProcess(
  options: ProcessOptions,
  config: Config,
  stderr: (line: string) => void,
): Promise<ProcessReport[]> {
  // The whole plan is checked before any input is read: a typo fails at once, not per image.
  const plan = validatePlan(options.ops.map(parseOpArgument));
  await mkdir(options.out, { recursive: true });
  const models = createModelProvider(config);
  // No stage runner retries here, so the SDK retries a rate limit or a 5xx itself.
  const backgrounds = createBackgroundSource(config, { maxRetries: 2 });
  const reports: ProcessReport[] = [];
  for (const input of options.inputs) {
    const steps: ProcessReport['steps'] = [];
    try {
      const bytes = await readInput(input, config);
      let { image } = await decodeImage(bytes, { maxPixels: config.IMAGE_MAX_PIXELS });
      for (const op of plan) {
        const started = performance.now();
        const result = await getProcessor(op.type).run(image, op.params, {
          maxSidePx: config.IMAGE_MAX_SIDE_PX,
          models,
          backgrounds,
        });
        image = result.image;
        steps.push({
          operation: op.type,
          ms: Math.round(performance.now() - started),
          metadata: result.metadata,
        });
      }
      const encoded = await encodeOutputs(image, {
        format: options.format,
        quality: options.quality,
        generateSizes: options.sizes,
      });
      const stem = stemOf(input);
      const outputs: string[] = [];
      for (const v of encoded) {
        const path = join(
          options.out,
          v.name === 'original' ? `${stem}.${v.extension}` : `${stem}.${v.name}.${v.extension}`,
        );
        await writeFile(path, v.data);
        outputs.push(path);
      }
      reports.push({ input, ok: true, outputs, steps });
    } catch (err) {
      const e = toMediaStudioError(err, 'MS_PROCESSING_FAILED');
      stderr(`${input}: ${e.code}: ${e.message}`);
      reports.push({ input, ok: false, outputs: [], error: { code: e.code, message: e.message }, steps });
    }
  }
  await models.release();
  return reports;
}

async function readInput(input: string, config: Config): Promise<Buffer> {
  if (/^https?:\/\//i.test(input)) {
    const fetched = await safeFetch(input, {
      timeoutMs: config.FETCH_TIMEOUT_MS,
      maxBytes: config.FETCH_MAX_BYTES,
      maxRedirects: config.FETCH_MAX_REDIRECTS,
      allow: parseAllowRules(config.FETCH_ALLOWED_HOSTS),
    });
    return fetched.bytes;
  }
  try {
    const bytes = await readFile(input);
    if (bytes.length > config.FETCH_MAX_BYTES) {
      throw new MediaStudioError('MS_TOO_LARGE', `${input} is larger than ${config.FETCH_MAX_BYTES} bytes`);
    }
    return bytes;
  } catch (err) {
    if (err instanceof MediaStudioError) throw err;
    throw new MediaStudioError(
      'MS_INVALID_REQUEST',
      `cannot read ${input}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      { cause: err },
    );
  }
}

function stemOf(input: string): string {
  const name = /^https?:\/\//i.test(input)
    ? new URL(input).pathname.split('/').pop() || 'image'
    : basename(input);
  const stem = name.slice(0, name.length - extname(name).length) || name;
  return stem.replace(/[^A-Za-z0-9._-]/g, '_');
}
