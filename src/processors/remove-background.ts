/**
 * `remove_background`: cut the product out of its photo. Salient-object models give their opinion
 * (ISNet at 1024 px, U²-Net-p at 320 px), the subject is chosen among the salient regions, its edges are
 * refined at full resolution and its edge colours decontaminated, so no fringe of the old background stays.
 *
 * | step           | what                                                                               |
 * | -------------- | ---------------------------------------------------------------------------------- |
 * | `prepare`      | the picture squashed to each model's input square (transparent input on white)     |
 * | `infer_*`      | one pass per model (models/salient-model.ts reads sizes and normalisation from the spec) |
 * | `select`       | fuse, choose the subject's regions, fill holes the models are unsure of (mask-refine), |
 * |                | drop a blurred scene object the models joined to the sharp product (focus/)        |
 * | `refine`       | full-resolution alpha: guided filter in the edge band, or the seed's trimap        |
 * | `decontaminate`| foreground colour where alpha is partial (matting/foreground.ts)                   |
 * | `compose`      | RGBA (or the mask alone), cropped to the subject if asked                          |
 *
 * An input that is already a cut-out (a transparent PNG whose frame is clear) keeps its own alpha.
 *
 * `model`: `isnet` runs ISNet, and U²-Net-p too unless ISNet's map leaves no choice open (mask-refine.ts
 * `isUnambiguous`); the quality tier, ~2.0–2.3 s per 1.3 MP photo on 2 idle cores, 1.7 s of it ISNet.
 * `u2netp` runs only the small one (the fast tier, ~0.5 s; it drops secondary objects, misses thin parts and
 * keeps background objects more often: docs/models.md gives both tiers' scores). `auto` runs U²-Net-p first
 * and keeps its answer for studio shots it has clearly understood (plain backdrop, confident mask, no
 * backdrop inside it; studio-shot.ts says how that was checked), and runs ISNet for everything else.
 */
import sharp from 'sharp';
import { z } from 'zod';
import { MediaStudioError, toMediaStudioError } from '../errors.js';
import { isnet } from '../models/isnet.js';
import type { ModelProvider } from '../models/model-provider.js';
import { type FloatMap, predictSaliency, type SalientModelSpec } from '../models/salient-model.js';
import { u2netp } from '../models/u2netp.js';
import { fromRaw } from './codec.js';
import { computeAlpha } from './cutout-alpha.js';
import { isUnambiguous } from './mask-refine.js';
import { decontaminate } from './matting/foreground.js';
import { isPlainBackdrop, isStudioShot, measureBackdrop } from './studio-shot.js';
import { defineProcessor, type Metadata, type RawImage } from './types.js';

export const backgroundModels = ['auto', 'isnet', 'u2netp'] as const;
export type BackgroundModel = (typeof backgroundModels)[number];

const threshold = (which: string, value: number) =>
  z
    .number()
    .int()
    .min(0)
    .max(255)
    .default(value)
    .describe(
      `alpha_matting only: mask values (0–255) ${which}. Default ${value}, as in the seed (rembg's defaults).`,
    );

export const removeBackgroundParams = z
  .strictObject({
    output_format: z
      .enum(['png', 'webp'])
      .default('png')
      .describe(
        "The seed's format of the cut-out, kept for compatibility: the step always hands on lossless RGBA and " +
          "finalize's `format` decides the encoding (a jpeg output is flattened on white). Default png.",
      ),
    alpha_matting: z
      .boolean()
      .default(false)
      .describe(
        'Decide the edge from a trimap, as the seed (rembg) does: mask values at or above the foreground ' +
          'threshold are subject, at or below the background threshold are background, and alpha between is ' +
          'estimated from the photo (guided filter). Wider soft edges for hair, fur and fringes. Default false: ' +
          'the edge band is still refined at full resolution, only narrower.',
      ),
    alpha_matting_foreground_threshold: threshold('at or above which a pixel is surely the subject', 240),
    alpha_matting_background_threshold: threshold('at or below which a pixel is surely background', 10),
    model: z
      .enum(backgroundModels)
      .default('isnet')
      .describe(
        'isnet: ISNet at 1024 px, with U²-Net-p as a second opinion when ISNet leaves the subject or a hole ' +
          'open, the best cut-outs (about 2.0–2.3 s per 1.3 MP photo on 2 idle cores). u2netp: the small ' +
          'U²-Net-p alone, about 0.5 s, coarser: it may drop secondary objects or keep background ones (mean ' +
          'IoU 0.86 against 0.94 on product composites). auto: ' +
          'u2netp for studio shots on a plain backdrop where its mask is confident (about 0.5 s), isnet ' +
          'otherwise. Default isnet.',
      ),
    crop_to_subject: z
      .boolean()
      .default(false)
      .describe('Crop the output to the subject’s bounding box plus `margin`. Default false.'),
    margin: z
      .number()
      .min(0)
      .max(100)
      .default(5)
      .describe(
        'crop_to_subject only: space kept around the subject, in percent of its larger side (the crop never ' +
          'leaves the image). Example: 10. Default 5.',
      ),
    mask_only: z
      .boolean()
      .default(false)
      .describe(
        'Return the mask instead of the cut-out: an opaque greyscale image, white = subject, black = ' +
          'background, greys = partial alpha. Default false.',
      ),
  })
  .refine((p) => p.alpha_matting_background_threshold < p.alpha_matting_foreground_threshold, {
    message: 'alpha_matting_background_threshold must be below alpha_matting_foreground_threshold',
    path: ['alpha_matting_background_threshold'],
  });
export type RemoveBackgroundParams = z.output<typeof removeBackgroundParams>;

/** Alpha (0..255) at or above which a pixel counts for the subject's bounding box and coverage. */
const SUBJECT_ALPHA = 128;
/** From this alpha (0..255) on, a pixel counts for the crop box (faint edges and shadows included). */
const CROP_ALPHA = 16;
/** An input is taken as already cut out when this share of it, and of its frame's ring, is fully transparent. */
const GIVEN_CUTOUT = { clearShare: 0.05, ringClearShare: 0.9 } as const;

export const removeBackground = defineProcessor({
  name: 'remove_background',
  version: `1+isnet.${isnet.version}+u2netp.${u2netp.version}`,
  params: removeBackgroundParams,
  async run(image, params, context) {
    const models = context.models;
    if (!models) {
      throw new MediaStudioError(
        'MS_MODEL_INVALID',
        'remove_background needs ONNX models, but this context provides none (no model provider configured)',
      );
    }
    const timings: Record<string, number> = {};
    const cpu: Record<string, number> = {};
    const timed = async <T>(step: string, work: () => Promise<T> | T): Promise<T> => {
      context.signal?.throwIfAborted();
      const started = performance.now();
      const startedCpu = process.cpuUsage();
      try {
        return await work();
      } finally {
        timings[step] = Math.round(performance.now() - started);
        const used = process.cpuUsage(startedCpu);
        cpu[step] = Math.round((used.user + used.system) / 1000);
      }
    };
    try {
      const given = givenCutout(image);
      let alpha: Float32Array;
      let used = 'input_alpha';
      let studio: ReturnType<typeof isStudioShot> | null = null;
      let found: {
        regions: number;
        keptRegions: number;
        filledHoles: number;
        outOfFocusShare: number;
      } | null = null;
      if (given) {
        // Already a cut-out (a transparent PNG): its own alpha is the answer, no model second-guesses it.
        alpha = given;
      } else {
        const opaque = await timed('prepare', () => flattenedRgb(image));
        let main: FloatMap;
        let second: FloatMap | null = null;
        if (params.model === 'isnet') {
          // ISNet first; U²-Net-p's second opinion only where ISNet leaves a choice open (mask-refine.ts).
          main = await timed('infer_isnet', () => infer(models, isnet, opaque));
          used = 'isnet';
          if (!isUnambiguous(main)) {
            second = await timed('infer_u2netp', () => infer(models, u2netp, opaque));
            used = 'isnet+u2netp';
          }
        } else {
          const small = await timed('infer_u2netp', () => infer(models, u2netp, opaque));
          main = small;
          used = 'u2netp';
          studio =
            params.model === 'auto' ? isStudioShot(opaque.data, image.width, image.height, small) : null;
          if (params.model === 'auto' && !studio?.studio) {
            main = await timed('infer_isnet', () => infer(models, isnet, opaque));
            second = small;
            used = 'isnet+u2netp';
          }
        }
        const matting = params.alpha_matting
          ? {
              foreground: params.alpha_matting_foreground_threshold / 255,
              background: params.alpha_matting_background_threshold / 255,
            }
          : null;
        const backdrop = measureBackdrop(image.data, image.width, image.height, 4);
        const result = computeAlpha(main, second, image.data, image.width, image.height, 4, {
          matting,
          backdrop: isPlainBackdrop(backdrop) ? backdrop : null,
        });
        timings.select = Math.round(result.timings.select);
        timings.refine = Math.round(result.timings.refine);
        cpu.select = Math.round(result.cpuTimings.select);
        cpu.refine = Math.round(result.cpuTimings.refine);
        alpha = keepExistingAlpha(result.alpha, image);
        found = result;
      }
      const colours = params.mask_only
        ? null
        : await timed('decontaminate', () => foregroundColours(image, alpha));
      const out = await timed('compose', () => compose(image, alpha, colours, params));
      const metadata: Metadata = {
        model: used,
        model_versions: versions[used] ?? [],
        ...(studio ? { studio_shot: studio.studio } : {}),
        mask_coverage: round(out.coverage),
        subject_bbox: out.bbox,
        ...(found
          ? {
              regions_found: found.regions,
              regions_kept: found.keptRegions,
              holes_filled: found.filledHoles,
              out_of_focus_dropped: round(found.outOfFocusShare),
            }
          : {}),
        alpha_matting: params.alpha_matting,
        mask_only: params.mask_only,
        cropped: out.cropped,
        width: out.image.width,
        height: out.image.height,
        timings_ms: timings,
        // CPU time of the whole process per step (model threads included): comparable under load.
        cpu_ms: cpu,
      };
      return { image: out.image, metadata };
    } catch (err) {
      throw toMediaStudioError(err, 'MS_PROCESSING_FAILED');
    }
  },
});

const round = (v: number) => Number(v.toFixed(4));

const versions: Record<string, string[]> = {
  isnet: [isnet.version],
  'isnet+u2netp': [isnet.version, u2netp.version],
  u2netp: [u2netp.version],
};

/**
 * The input's own alpha when the input is already a cut-out: a clear share of it fully transparent,
 * the frame's ring included (a transparent PNG of a product, the "nothing to remove" case); else null.
 */
function givenCutout(image: RawImage): Float32Array | null {
  const { data, width, height } = image;
  const ring = Math.max(1, Math.round(Math.min(width, height) * 0.02));
  let clear = 0;
  let ringPixels = 0;
  let ringClear = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const transparent = data[(y * width + x) * 4 + 3] === 0;
      if (transparent) clear++;
      if (y < ring || y >= height - ring || x < ring || x >= width - ring) {
        ringPixels++;
        if (transparent) ringClear++;
      }
    }
  }
  if (
    clear < GIVEN_CUTOUT.clearShare * width * height ||
    ringClear < GIVEN_CUTOUT.ringClearShare * ringPixels
  ) {
    return null;
  }
  const alpha = new Float32Array(width * height);
  for (let i = 0; i < alpha.length; i++) alpha[i] = data[i * 4 + 3]! / 255;
  return alpha;
}

/** The picture the models see: RGB, transparency flattened on white (a cut-out stays a cut-out). */
async function flattenedRgb(image: RawImage): Promise<{ data: Uint8Array; width: number; height: number }> {
  const data = await fromRaw(image).flatten({ background: '#ffffff' }).raw().toBuffer();
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: image.width,
    height: image.height,
  };
}

/** Runs one model on the picture squashed to its input square. */
async function infer(
  models: ModelProvider,
  spec: SalientModelSpec,
  rgb: { data: Uint8Array; width: number; height: number },
): Promise<FloatMap> {
  const side = spec.input.trainedSize;
  const resized = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .resize(side, side, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  const session = await models.session(spec);
  return predictSaliency(
    session,
    spec,
    new Uint8Array(resized.buffer, resized.byteOffset, resized.length),
    side,
    side,
  );
}

/** A cut-out given as input (a transparent PNG) keeps its own transparency: alpha is the smaller of both. */
function keepExistingAlpha(alpha: Float32Array, image: RawImage): Float32Array {
  const d = image.data;
  for (let i = 0, j = 3; i < alpha.length; i++, j += 4) {
    if (d[j]! < 255) alpha[i] = Math.min(alpha[i]!, d[j]! / 255);
  }
  return alpha;
}

/** Foreground colours (8-bit RGB), the large window scaled with the image (the paper's 45 px at ~1 MP). */
function foregroundColours(image: RawImage, alpha: Float32Array): Uint8Array {
  const scale = Math.sqrt((image.width * image.height) / 1e6);
  const radius = Math.max(4, Math.round(45 * scale));
  return decontaminate(image.data, alpha, image.width, image.height, 4, { radius });
}

interface Composed {
  readonly image: RawImage;
  readonly coverage: number;
  readonly bbox: { left: number; top: number; width: number; height: number } | null;
  readonly cropped: boolean;
}

function compose(
  image: RawImage,
  alpha: Float32Array,
  colours: Uint8Array | null,
  params: RemoveBackgroundParams,
): Composed {
  const { width, height } = image;
  // Subject box (alpha ≥ ½) and the looser crop box (faint edges included).
  let [l, t, r, b] = [width, height, -1, -1];
  let [cl, ct, cr, cb] = [width, height, -1, -1];
  let sum = 0;
  const a8 = new Uint8Array(alpha.length);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const a = Math.round(alpha[i]! * 255);
      a8[i] = a;
      sum += a;
      if (a < CROP_ALPHA) continue;
      if (x < cl) cl = x;
      if (x > cr) cr = x;
      if (y < ct) ct = y;
      if (y > cb) cb = y;
      if (a >= SUBJECT_ALPHA) {
        if (x < l) l = x;
        if (x > r) r = x;
        if (y < t) t = y;
        if (y > b) b = y;
      }
    }
  }
  const bbox = r >= 0 ? { left: l, top: t, width: r - l + 1, height: b - t + 1 } : null;
  let region = { left: 0, top: 0, width, height };
  if (params.crop_to_subject && cr >= 0) {
    const pad = Math.round((Math.max(cr - cl + 1, cb - ct + 1) * params.margin) / 100);
    const left = Math.max(0, cl - pad);
    const top = Math.max(0, ct - pad);
    region = {
      left,
      top,
      width: Math.min(width, cr + 1 + pad) - left,
      height: Math.min(height, cb + 1 + pad) - top,
    };
  }
  const out = Buffer.alloc(region.width * region.height * 4);
  for (let y = 0; y < region.height; y++) {
    for (let x = 0; x < region.width; x++) {
      const i = (y + region.top) * width + (x + region.left);
      const o = (y * region.width + x) * 4;
      const a = a8[i]!;
      if (!colours) {
        out[o] = out[o + 1] = out[o + 2] = a;
        out[o + 3] = 255;
      } else if (a > 0) {
        out[o] = colours[i * 3]!;
        out[o + 1] = colours[i * 3 + 1]!;
        out[o + 2] = colours[i * 3 + 2]!;
        out[o + 3] = a;
      }
    }
  }
  const shifted = bbox ? { ...bbox, left: bbox.left - region.left, top: bbox.top - region.top } : null;
  return {
    image: { data: out, width: region.width, height: region.height, channels: 4 },
    coverage: sum / (255 * alpha.length),
    bbox: shifted,
    cropped: region.width !== width || region.height !== height,
  };
}
