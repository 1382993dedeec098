/**
 * Finalize's pixel work: the final image encoded once at full size (`original`) and, when asked, at the size
 * variants of `sizeVariants` (longest side, fit inside, never enlarged). Pure: pixels in, bytes out.
 *
 * Why it is cheap (bench/variants.ts measures it against a Pillow port of the seed):
 * - Alpha is settled once, in one pass over the pixels, before anything else: JPEG has no alpha, so the image
 *   is flattened onto white and drops to three channels; an opaque image drops its alpha for every format.
 *   libvips then resizes three channels without premultiplying, and its JPEG encoder is not handed an alpha
 *   band to strip (which almost doubles its time).
 * - The variants cascade, largest first, each resized from the one above it rather than from the full image.
 * - Variants of equal size are encoded once and share bytes: an image of at most 1600 px has a `large`
 *   identical to its `original`, and one of at most 800 px a `medium` as well.
 *
 * Encoder settings follow the seed: JPEG progressive with 4:2:0 chroma at the requested quality, standard
 * quantisation tables and optimised Huffman tables, mozjpeg's trellis off (it is several times slower for
 * ~10 % fewer bytes); metadata is stripped and the pixels are sRGB, untagged.
 */
import sharp, { type Sharp } from 'sharp';
import { MediaStudioError, toMediaStudioError } from '../errors.js';
import { type ImageFormat, sizeVariants, type VariantName, variantNames } from '../schemas/vocabulary.js';
import { hasTransparency } from './codec.js';
import { flattenOnto } from './colour.js';
import type { RawImage } from './types.js';

export interface OutputSpec {
  readonly format: ImageFormat;
  /** 1–100; applies to jpeg and webp, png is lossless. */
  readonly quality: number;
  /** Also produce thumbnail, medium and large. */
  readonly generateSizes: boolean;
}

export interface EncodedVariant {
  readonly name: VariantName;
  /** Encoded bytes; variants of equal size share one buffer, so treat it as read-only. */
  readonly data: Buffer;
  /** `data.length`, for the job_outputs row. */
  readonly bytes: number;
  readonly width: number;
  readonly height: number;
  readonly format: ImageFormat;
  readonly contentType: string;
  /** File extension without the dot. */
  readonly extension: string;
}

/** Content type and file extension per output format. */
export const outputFormats = {
  jpeg: { contentType: 'image/jpeg', extension: 'jpg' },
  png: { contentType: 'image/png', extension: 'png' },
  webp: { contentType: 'image/webp', extension: 'webp' },
} as const satisfies Record<ImageFormat, { contentType: string; extension: string }>;

const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };

/** Pixels on their way to an encoder: three channels once alpha is settled, four when it must stay. */
interface Pixels {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
}

interface Size {
  readonly width: number;
  readonly height: number;
}

/** The variant's size: the longest side at most `longest`, aspect kept, never larger than the source. */
export function variantSize(source: Size, name: VariantName): Size {
  if (name === 'original') return { width: source.width, height: source.height };
  const scale = Math.min(1, sizeVariants[name] / Math.max(source.width, source.height));
  return {
    width: Math.max(1, Math.round(source.width * scale)),
    height: Math.max(1, Math.round(source.height * scale)),
  };
}

/** The full-size original and, with `generateSizes`, thumbnail, medium and large, in `variantNames` order. */
export async function encodeOutputs(image: RawImage, spec: OutputSpec): Promise<EncodedVariant[]> {
  return encodeVariants(image, spec, spec.generateSizes ? variantNames : ['original']);
}

/** Encodes the named variants only (the bench uses it to time exactly what the seed produced). */
export async function encodeVariants(
  image: RawImage,
  spec: OutputSpec,
  names: readonly VariantName[],
): Promise<EncodedVariant[]> {
  if (!Number.isInteger(spec.quality) || spec.quality < 1 || spec.quality > 100) {
    throw new MediaStudioError(
      'MS_INVALID_PARAMS',
      `output quality must be an integer 1–100, got ${spec.quality}`,
    );
  }
  try {
    const keepAlpha = spec.format !== 'jpeg' && hasTransparency(image);
    const base: Pixels = keepAlpha
      ? image
      : { data: flattenOnto(image, WHITE, 3), width: image.width, height: image.height, channels: 3 };

    // One encoding per distinct size, largest first so each size is resized from the one above it.
    const sizes = new Map<string, Size>();
    for (const name of names) {
      const size = variantSize(image, name);
      sizes.set(sizeKey(size), size);
    }
    const ordered = [...sizes.values()].sort((a, b) => b.width * b.height - a.width * a.height);
    const encoded = new Map<string, Promise<Buffer>>();
    let previous = base;
    for (const size of ordered) {
      const pixels = sizeKey(previous) === sizeKey(size) ? previous : await resized(previous, size);
      // Encoding runs while the next (smaller) size is being resized; a failure surfaces in Promise.all below,
      // the catch only keeps it from counting as unhandled if a later resize throws first.
      const job = encode(pixels, spec);
      job.catch(() => {});
      encoded.set(sizeKey(size), job);
      previous = pixels;
    }

    const { contentType, extension } = outputFormats[spec.format];
    return await Promise.all(
      names.map(async (name) => {
        const size = variantSize(image, name);
        const data = await encoded.get(sizeKey(size))!;
        return { name, data, bytes: data.length, ...size, format: spec.format, contentType, extension };
      }),
    );
  } catch (err) {
    throw toMediaStudioError(err, 'MS_PROCESSING_FAILED');
  }
}

const sizeKey = ({ width, height }: Size) => `${width}x${height}`;

function pipeline({ data, width, height, channels }: Pixels): Sharp {
  return sharp(data, { raw: { width, height, channels } });
}

async function resized(pixels: Pixels, { width, height }: Size): Promise<Pixels> {
  // libvips shrinks by whole factors with a box filter first, then finishes with Lanczos 3 (as Pillow's
  // reducing_gap does); with four channels it premultiplies alpha so transparent pixels do not bleed.
  const data = await pipeline(pixels)
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  return { data, width, height, channels: pixels.channels };
}

function encode(pixels: Pixels, { format, quality }: OutputSpec): Promise<Buffer> {
  const p = pipeline(pixels);
  switch (format) {
    case 'jpeg':
      return p
        .jpeg({
          quality,
          progressive: true,
          chromaSubsampling: '4:2:0',
          optimiseCoding: true,
          mozjpeg: false,
        })
        .toBuffer();
    case 'png':
      return p.png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer();
    case 'webp':
      return p.webp({ quality, effort: 4 }).toBuffer();
  }
}
