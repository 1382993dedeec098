/**
 * Bytes ⇄ pixels. Decoding treats every input as hostile: the pixel limit is enforced by libvips before
 * any pixel is decoded, the format is sniffed from the bytes (never from a URL or a header), animated
 * input keeps its first frame, EXIF orientation is applied, colour is converted to sRGB (CMYK and
 * embedded profiles included) and all metadata is dropped.
 */
import sharp, { type Metadata, type Sharp } from 'sharp';
import { MediaStudioError } from '../errors.js';
import type { RawImage } from './types.js';

/** Formats we accept as sources, by libvips loader name. */
const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif']);

// Our own worker threads decide concurrency; libvips' cache only helps repeated identical operations.
sharp.cache(false);

export interface DecodeLimits {
  readonly maxPixels: number;
}

export interface DecodedSource {
  readonly image: RawImage;
  readonly sourceFormat: string;
  readonly sourceWidth: number;
  readonly sourceHeight: number;
}

export async function decodeImage(bytes: Buffer, { maxPixels }: DecodeLimits): Promise<DecodedSource> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new MediaStudioError('MS_UNSUPPORTED_FORMAT', 'the bytes are not a supported image', {
      cause: err,
    });
  }
  if (!meta.format || !ACCEPTED_FORMATS.has(meta.format)) {
    throw new MediaStudioError(
      'MS_UNSUPPORTED_FORMAT',
      `unsupported image format: ${meta.format ?? 'unknown'}`,
    );
  }
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width * height > maxPixels) {
    throw new MediaStudioError(
      'MS_PIXEL_LIMIT',
      `image is ${width}×${height}, over the limit of ${maxPixels} pixels`,
      {
        details: { width, height, maxPixels },
      },
    );
  }
  try {
    const { data, info } = await sharp(bytes, {
      limitInputPixels: maxPixels,
      failOn: 'error',
      pages: 1,
      page: 0,
    })
      .autoOrient()
      .toColourspace('srgb')
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      image: { data, width: info.width, height: info.height, channels: 4 },
      sourceFormat: meta.format,
      sourceWidth: info.width,
      sourceHeight: info.height,
    };
  } catch (err) {
    throw new MediaStudioError(
      'MS_DECODE_FAILED',
      `the image is corrupt or truncated: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/** Wraps raw pixels for further sharp work. */
export function fromRaw(image: RawImage): Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
}

/** Runs a sharp pipeline to raw RGBA. */
export async function toRaw(pipeline: Sharp): Promise<RawImage> {
  const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 4 };
}

/** Intermediate artifacts: lossless PNG with alpha and fast compression (they are read once, then expire). */
export async function encodeLossless(image: RawImage): Promise<Buffer> {
  return fromRaw(image).png({ compressionLevel: 1, adaptiveFiltering: false }).toBuffer();
}

/** Reads an intermediate artifact written by encodeLossless. */
export async function decodeLossless(bytes: Buffer): Promise<RawImage> {
  try {
    return await toRaw(sharp(bytes, { limitInputPixels: false }));
  } catch (err) {
    throw new MediaStudioError(
      'MS_DECODE_FAILED',
      `intermediate artifact does not decode: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/** True when any pixel is not fully opaque. */
export function hasTransparency(image: RawImage): boolean {
  const d = image.data;
  for (let i = 3; i < d.length; i += 4) if (d[i] !== 255) return true;
  return false;
}
