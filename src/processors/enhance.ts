/**
 * `enhance`: learned upscaling and corrections measured from each photo, with the seed's params.
 *
 * The seed upscaled with Lanczos and then applied a fixed +10 % contrast and +5 % saturation to every photo.
 * Here every step looks at the image first and does nothing when there is nothing to fix:
 *
 * | step            | param           | what runs                                                   | file                 |
 * | --------------- | --------------- | ----------------------------------------------------------- | -------------------- |
 * | denoise         | `denoise`       | non-local means at the measured noise level                 | enhance/denoise.ts   |
 * | white balance   | `auto_color`    | white patch / grey pixels, von Kries gains in linear light  | enhance/auto-colour.ts |
 * | levels          | `auto_contrast` | black/white points from the histogram, with safeguards      | enhance/auto-contrast.ts |
 * | upscale         | `upscale`       | Real-ESRGAN ×4 (int8 or fp32) where there is detail, blended, back-projected, area down to the factor | enhance/super-resolution.ts |
 * | sharpen         | `sharpen`       | unsharp mask on luma, the seed's amount mapping              | enhance/sharpen.ts   |
 *
 * Corrections run before upscaling: on the input's pixels they are cheaper and see the noise as it is
 * (not spread over 4–16 output pixels), and the model then reads a clean, balanced photo. Sharpening runs
 * last, at the output size, as in the seed.
 *
 * Limits: the output's longest side is capped at the worker's `maxSidePx` — a factor that would exceed it is
 * lowered (`scale` in the metadata says what was done) rather than failing the job, since an image already
 * that large needs no enlarging. The model runs on inputs up to `MODEL_MAX_INPUT_PIXELS` (larger inputs are
 * not the small supplier photos it is for, and would take minutes); beyond that, and whenever no model is
 * available, Lanczos 3 upscales and the metadata says so.
 */
import { z } from 'zod';
import { realEsrganGeneralX4For, realEsrganGeneralX4Int8 } from '../models/realesrgan.js';
import { autoColour } from './enhance/auto-colour.js';
import { autoContrast } from './enhance/auto-contrast.js';
import { denoise } from './enhance/denoise.js';
import { sharpen } from './enhance/sharpen.js';
import { type SuperResolutionModel, superResolve } from './enhance/super-resolution.js';
import { defineProcessor, type Metadata, type ProcessorContext, type RawImage } from './types.js';

/** Inputs above this many pixels are upscaled with Lanczos (see the module comment). */
export const MODEL_MAX_INPUT_PIXELS = 4_000_000;

export const enhanceParams = z.strictObject({
  upscale: z
    .boolean()
    .default(true)
    .describe(
      'Enlarge the image by upscale_factor with the learned upscaler (Lanczos when no model). Default true.',
    ),
  upscale_factor: z
    .number()
    .int()
    .min(1)
    .max(4)
    .default(2)
    .describe(
      'Enlargement per side, 1–4 (1 keeps the size). Lowered when the result would exceed the longest side ' +
        'allowed. Default 2. Example: 4.',
    ),
  sharpen: z.boolean().default(true).describe('Apply an unsharp mask on luminance, last. Default true.'),
  sharpen_amount: z
    .number()
    .min(0)
    .max(3)
    .default(1)
    .describe(
      'Sharpening strength, 0–3: Gaussian radius 1 + 0.5·amount px, 50 + 50·amount % of the detail added ' +
        'back, threshold 3 levels (the seed mapping). 0 does nothing. Default 1.',
    ),
  denoise: z
    .boolean()
    .default(false)
    .describe('Remove noise with non-local means at the noise level measured in the photo. Default false.'),
  auto_contrast: z
    .boolean()
    .default(true)
    .describe(
      'Set levels from the histogram when the photo is washed out or dim; a photo reaching white is left alone. Default true.',
    ),
  auto_color: z
    .boolean()
    .default(true)
    .describe(
      'Remove a colour cast measured from the white patch or the grey pixels; a neutral photo is left alone. Default true.',
    ),
});
export type EnhanceParams = z.output<typeof enhanceParams>;

/** The upscale actually done: the factor, capped so the longest side stays within `maxSidePx`. */
export function upscaleTarget(
  image: { width: number; height: number },
  factor: number,
  maxSidePx: number,
): { width: number; height: number; scale: number; capped: boolean } {
  const longest = Math.max(image.width, image.height);
  const scale = Math.max(1, Math.min(factor, maxSidePx / longest));
  return {
    width: Math.max(1, Math.round(image.width * scale)),
    height: Math.max(1, Math.round(image.height * scale)),
    scale,
    capped: scale < factor,
  };
}

/** The model session, or why there is none (Lanczos then upscales). */
async function loadModel(context: ProcessorContext): Promise<SuperResolutionModel | string> {
  if (!context.models) return 'no model provider in this context';
  const spec = realEsrganGeneralX4For(context.models.precision);
  try {
    return { session: await context.models.session(spec), spec };
  } catch (err) {
    return `model ${spec.name} unavailable: ${(err as Error).message}`;
  }
}

export const enhance = defineProcessor({
  name: 'enhance',
  // The int8 and fp32 graphs carry the same weights and give the same result within ~0.05 dB: which one a
  // machine runs is an execution detail (`upscale.upscaler` in the metadata says), not a pipeline change.
  version: `2+${realEsrganGeneralX4Int8.name}@${realEsrganGeneralX4Int8.version}`,
  params: enhanceParams,
  async run(input, params, context) {
    const { signal } = context;
    let image: RawImage = input;
    const metadata: Metadata = { source_width: input.width, source_height: input.height };

    if (params.denoise) {
      signal?.throwIfAborted();
      const r = denoise(image, signal);
      image = r.image;
      metadata.denoise = { applied: r.report.applied, sigma: round(r.report.sigma) };
    }
    if (params.auto_color) {
      signal?.throwIfAborted();
      const r = autoColour(image);
      image = r.image;
      metadata.auto_color = {
        applied: r.report.applied,
        source: r.report.source,
        gains: r.report.gains.map((g) => round(g, 4)),
      };
    }
    if (params.auto_contrast) {
      signal?.throwIfAborted();
      const r = autoContrast(image);
      image = r.image;
      metadata.auto_contrast = {
        applied: r.report.applied,
        case: r.report.case,
        black: r.report.black,
        white: r.report.white,
        gain: round(r.report.gain, 4),
      };
    }
    if (params.upscale && params.upscale_factor > 1) {
      const target = upscaleTarget(image, params.upscale_factor, context.maxSidePx);
      if (target.scale > 1) {
        const tooLarge = image.width * image.height > MODEL_MAX_INPUT_PIXELS;
        const model = tooLarge
          ? `input has more than ${MODEL_MAX_INPUT_PIXELS} pixels`
          : await loadModel(context);
        const sr = await superResolve(
          image,
          target.width,
          target.height,
          typeof model === 'string' ? null : model,
          {
            ...(signal ? { signal } : {}),
          },
        );
        image = sr.image;
        metadata.upscale = {
          upscaler: typeof model === 'string' ? 'lanczos3' : model.spec.name,
          ...(typeof model === 'string' ? { fallback_reason: model } : {}),
          factor: params.upscale_factor,
          scale: round(target.scale, 4),
          capped: target.capped,
          model_coverage: round(sr.stats.modelCoverage, 3),
          jpeg_grid: sr.stats.jpegGrid ? { x: sr.stats.jpegGrid.x, y: sr.stats.jpegGrid.y } : null,
        };
      } else {
        metadata.upscale = {
          upscaler: 'none',
          factor: params.upscale_factor,
          scale: 1,
          capped: target.capped,
        };
      }
    }
    if (params.sharpen && params.sharpen_amount > 0) {
      signal?.throwIfAborted();
      const r = await sharpen(image, params.sharpen_amount);
      image = r.image;
      metadata.sharpen = r.settings ? { ...r.settings } : null;
    }
    metadata.width = image.width;
    metadata.height = image.height;
    return { image, metadata };
  },
});

function round(v: number, digits = 2): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}
