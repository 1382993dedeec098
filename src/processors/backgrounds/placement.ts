/**
 * Where the product goes in the new scene. The cut-out's box (pixels with alpha ≥ `SOLID_ALPHA`, so a faint
 * haze left by matting does not count) is scaled to `camera.productHeight` of the canvas height (at most
 * `camera.productWidth` of its width) and stood bottom-centred on the floor at `camera.base` — or, looking
 * straight down, centred.
 *
 * A product already within ±`NATIVE_TOLERANCE` of that size is not resampled at all, so its pixels reach
 * the output unchanged; otherwise it is resampled once with lanczos3 on premultiplied alpha (sharp's
 * default for RGBA), which keeps soft edges free of dark fringes.
 */
import { MediaStudioError, toMediaStudioError } from '../../errors.js';
import { fromRaw, toRaw } from '../codec.js';
import type { RawImage } from '../types.js';
import type { Camera } from './scene.js';

/** Alpha from which a pixel counts as product when measuring its box. */
export const SOLID_ALPHA = 32;
/** Scale factors this close to 1 snap to 1: the product keeps its pixels. */
export const NATIVE_TOLERANCE = 0.1;

export interface Box {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export interface CutOutCensus {
  /** The product's box (alpha ≥ SOLID_ALPHA), or undefined when nothing is that opaque. */
  readonly box: Box | undefined;
  /** The box of every pixel with any alpha at all: what is copied, so soft edges come along. */
  readonly extent: Box | undefined;
  /** Whether any pixel is not fully opaque. */
  readonly hasTransparency: boolean;
}

export function censusOf(image: RawImage): CutOutCensus {
  const { width, height, data } = image;
  const solid = { l: width, t: height, r: -1, b: -1 };
  const any = { l: width, t: height, r: -1, b: -1 };
  let hasTransparency = false;
  for (let y = 0, i = 3; y < height; y++) {
    for (let x = 0; x < width; x++, i += 4) {
      const a = data[i]!;
      if (a !== 255) hasTransparency = true;
      if (a === 0) continue;
      grow(any, x, y);
      if (a >= SOLID_ALPHA) grow(solid, x, y);
    }
  }
  return { box: toBox(solid), extent: toBox(any), hasTransparency };
}

function grow(b: { l: number; t: number; r: number; b: number }, x: number, y: number): void {
  if (x < b.l) b.l = x;
  if (x > b.r) b.r = x;
  if (y < b.t) b.t = y;
  if (y > b.b) b.b = y;
}

const toBox = (b: { l: number; t: number; r: number; b: number }): Box | undefined =>
  b.r < 0 ? undefined : { left: b.l, top: b.t, width: b.r - b.l + 1, height: b.b - b.t + 1 };

export interface Placement {
  /** Resampling factor applied to the product (1 = its own pixels). */
  readonly scale: number;
  /** Where the product's box lands on the canvas, in pixels. */
  readonly box: Box;
  /** Offset of the source image's origin on the canvas after scaling: canvas = source × scale + offset. */
  readonly offsetX: number;
  readonly offsetY: number;
}

export function planPlacement(box: Box, width: number, height: number, camera: Camera): Placement {
  const fit = Math.min(
    (camera.productHeight * height) / box.height,
    (camera.productWidth * width) / box.width,
  );
  const scale = Math.abs(fit - 1) <= NATIVE_TOLERANCE ? 1 : fit;
  const w = Math.max(1, Math.round(box.width * scale));
  const h = Math.max(1, Math.round(box.height * scale));
  const left = Math.round((width - w) / 2);
  // Standing products stand on the floor line; a flat lay is centred, whatever its proportions.
  const top =
    camera.perspective === 'top-down' ? Math.round((height - h) / 2) : Math.round(camera.base * height) - h;
  return {
    scale,
    box: { left, top, width: w, height: h },
    offsetX: left - box.left * scale,
    offsetY: top - box.top * scale,
  };
}

/** Keeps the product where it is, on a canvas of the image's own size (white and transparent styles). */
export function inPlace(box: Box): Placement {
  return { scale: 1, box, offsetX: 0, offsetY: 0 };
}

/**
 * The product on a transparent width×height layer at its placement: the `extent` of the source (soft edges
 * included) scaled by `placement.scale` and clipped to the canvas.
 */
export async function placeProduct(
  image: RawImage,
  extent: Box,
  placement: Placement,
  width: number,
  height: number,
): Promise<RawImage> {
  let piece = crop(image, extent);
  let left = extent.left;
  let top = extent.top;
  if (placement.scale !== 1) {
    const w = Math.max(1, Math.round(extent.width * placement.scale));
    const h = Math.max(1, Math.round(extent.height * placement.scale));
    try {
      piece = await toRaw(fromRaw(piece).resize(w, h, { fit: 'fill', kernel: 'lanczos3' }));
    } catch (err) {
      throw toMediaStudioError(err, 'MS_PROCESSING_FAILED');
    }
    left = extent.left * placement.scale;
    top = extent.top * placement.scale;
  }
  const dx = Math.round(left + placement.offsetX);
  const dy = Math.round(top + placement.offsetY);
  const layer = Buffer.alloc(width * height * 4);
  const x0 = Math.max(0, dx);
  const x1 = Math.min(width, dx + piece.width);
  if (x1 <= x0) throw new MediaStudioError('MS_PROCESSING_FAILED', 'the product falls outside the canvas');
  for (let y = Math.max(0, dy); y < Math.min(height, dy + piece.height); y++) {
    const from = ((y - dy) * piece.width + (x0 - dx)) * 4;
    piece.data.copy(layer, (y * width + x0) * 4, from, from + (x1 - x0) * 4);
  }
  return { data: layer, width, height, channels: 4 };
}

function crop(image: RawImage, box: Box): RawImage {
  if (box.left === 0 && box.top === 0 && box.width === image.width && box.height === image.height)
    return image;
  const data = Buffer.alloc(box.width * box.height * 4);
  for (let y = 0; y < box.height; y++) {
    const from = ((box.top + y) * image.width + box.left) * 4;
    image.data.copy(data, y * box.width * 4, from, from + box.width * 4);
  }
  return { data, width: box.width, height: box.height, channels: 4 };
}
