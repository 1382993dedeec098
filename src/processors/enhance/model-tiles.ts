/**
 * Runs a ×4 super-resolution model over an image in tiles, so memory stays bounded whatever the image size:
 * each tile is read with `padding` pixels of real context on every side (mirrored at the image border, as
 * Real-ESRGAN's pre-padding does), inferred, and only its centre kept. With padding well inside the model's
 * receptive field the seams are invisible; a tile's cost is `((tile + 2·padding) / tile)²` of its area.
 */
import type { InferenceSession } from '../../models/model-provider.js';
import { Tensor } from '../../models/model-provider.js';
import type { SuperResolutionModelSpec } from '../../models/realesrgan.js';

/** An RGB float image, planar (all R, then all G, then all B), values nominally 0..1. */
export interface PlanarImage {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

/** A rectangle in input pixels. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface TileOptions {
  /** Largest tile side in input pixels (before padding). */
  readonly tilePx: number;
  /** Context read around each tile, in input pixels. */
  readonly paddingPx: number;
  readonly signal?: AbortSignal;
}

/** Splits width×height into tiles of at most `tile` px per side, as evenly as possible. */
export function tileGrid(width: number, height: number, tile: number): Rect[] {
  const cols = Math.ceil(width / tile);
  const rows = Math.ceil(height / tile);
  const rects: Rect[] = [];
  for (let r = 0; r < rows; r++) {
    const y0 = Math.round((r * height) / rows);
    const y1 = Math.round(((r + 1) * height) / rows);
    for (let c = 0; c < cols; c++) {
      const x0 = Math.round((c * width) / cols);
      const x1 = Math.round(((c + 1) * width) / cols);
      rects.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
    }
  }
  return rects;
}

/** Mirrors an out-of-range coordinate back into 0..n-1 (reflect-101, like numpy's `reflect`). */
function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = Math.abs(i) % period;
  if (m >= n) m = period - m;
  return m;
}

/** 8-bit RGBA → planar RGB scaled by 1/`scale` (the model's input normalisation). */
export function toPlanar(rgba: Buffer, width: number, height: number, scale: number): PlanarImage {
  const n = width * height;
  const data = new Float32Array(3 * n);
  const k = 1 / scale;
  for (let i = 0; i < n; i++) {
    data[i] = rgba[i * 4]! * k;
    data[n + i] = rgba[i * 4 + 1]! * k;
    data[2 * n + i] = rgba[i * 4 + 2]! * k;
  }
  return { data, width, height };
}

/** The tile's pixels plus mirrored context, as the model's NCHW input tensor data. */
function tileInput(
  image: PlanarImage,
  rect: Rect,
  pad: number,
): { data: Float32Array; w: number; h: number } {
  const w = rect.width + 2 * pad;
  const h = rect.height + 2 * pad;
  const n = image.width * image.height;
  const data = new Float32Array(3 * w * h);
  const xs = Array.from({ length: w }, (_, i) => mirror(rect.x - pad + i, image.width));
  for (let j = 0; j < h; j++) {
    const row = mirror(rect.y - pad + j, image.height) * image.width;
    for (let c = 0; c < 3; c++) {
      const src = c * n + row;
      const dst = c * w * h + j * w;
      for (let i = 0; i < w; i++) data[dst + i] = image.data[src + xs[i]!]!;
    }
  }
  return { data, w, h };
}

/**
 * Runs the model over `rect` of the image and returns the ×scale output of exactly that rectangle,
 * planar RGB, unclamped.
 */
export async function inferRect(
  session: InferenceSession,
  spec: SuperResolutionModelSpec,
  image: PlanarImage,
  rect: Rect,
  paddingPx: number,
): Promise<PlanarImage> {
  const s = spec.output.scale;
  const input = tileInput(image, rect, paddingPx);
  const feeds = { [spec.input.name]: new Tensor('float32', input.data, [1, 3, input.h, input.w]) };
  const result = await session.run(feeds);
  const out = result[spec.output.name];
  if (!out) throw new Error(`model ${spec.name} returned no ${spec.output.name}`);
  const full = out.data as Float32Array;
  const fw = input.w * s;
  const fh = input.h * s;
  const width = rect.width * s;
  const height = rect.height * s;
  const data = new Float32Array(3 * width * height);
  const off = paddingPx * s;
  for (let c = 0; c < 3; c++) {
    for (let j = 0; j < height; j++) {
      const src = c * fw * fh + (j + off) * fw + off;
      data.set(full.subarray(src, src + width), c * width * height + j * width);
    }
  }
  out.dispose();
  return { data, width, height };
}
