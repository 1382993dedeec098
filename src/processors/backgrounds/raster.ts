/**
 * The offline backgrounds' working surface: an RGB canvas of floats in linear light (0 = black, 1 = white),
 * one plane per channel. Light adds and shadows multiply in linear light, as they do in a camera; the canvas
 * is encoded to 8-bit sRGB once, at the end, with a little deterministic dither so smooth gradients (a paper
 * sweep, a sky) do not band.
 */
import { random01 } from './noise.js';

export interface Canvas {
  readonly width: number;
  readonly height: number;
  readonly r: Float32Array;
  readonly g: Float32Array;
  readonly b: Float32Array;
}

/** A linear-light colour. */
export type Rgb = readonly [number, number, number];

export function createCanvas(width: number, height: number): Canvas {
  const n = width * height;
  return { width, height, r: new Float32Array(n), g: new Float32Array(n), b: new Float32Array(n) };
}

export const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
export const mix = (a: number, b: number, t: number) => a + (b - a) * t;

/** Hermite step from 0 at `edge0` to 1 at `edge1` (either order). */
export function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = clamp01((x - edge0) / (edge1 - edge0));
  return t * t * (3 - 2 * t);
}

export function srgbToLinear(v: number): number {
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

export function linearToSrgb(v: number): number {
  return v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055;
}

/** `#rrggbb` as a linear-light colour. */
export function hex(colour: string): Rgb {
  const c = (at: number) => srgbToLinear(Number.parseInt(colour.slice(at, at + 2), 16) / 255);
  return [c(1), c(3), c(5)];
}

export const mixRgb = (a: Rgb, b: Rgb, t: number): Rgb => [
  mix(a[0], b[0], t),
  mix(a[1], b[1], t),
  mix(a[2], b[2], t),
];

export const scaleRgb = (a: Rgb, k: number): Rgb => [a[0] * k, a[1] * k, a[2] * k];

// Linear → sRGB through a table: 2^14 steps keep the darkest tones (where sRGB is steepest) exact to ±0.5.
const LUT_SIZE = 1 << 14;
const SRGB_LUT = new Float32Array(LUT_SIZE + 1);
for (let i = 0; i <= LUT_SIZE; i++) SRGB_LUT[i] = linearToSrgb(i / LUT_SIZE) * 255;

/** Side of the tile of dither values repeated over the canvas (a hash per pixel costs more than it gives). */
const DITHER_TILE = 64;

/** Encodes the canvas to opaque 8-bit sRGB RGBA, dithered by ±½ step from a seeded tile of noise. */
export function toRgba8(canvas: Canvas, ditherSeed: number): Buffer {
  const { width, height, r, g, b } = canvas;
  const out = Buffer.alloc(width * height * 4);
  const encode = (v: number, dither: number) => {
    const i = v <= 0 ? 0 : v >= 1 ? LUT_SIZE : Math.round(v * LUT_SIZE);
    const s = Math.round(SRGB_LUT[i]! + dither);
    return s < 0 ? 0 : s > 255 ? 255 : s;
  };
  const dither = new Float32Array(DITHER_TILE * DITHER_TILE);
  for (let i = 0; i < dither.length; i++) dither[i] = random01(i, 0, ditherSeed) - 0.5;
  for (let y = 0, p = 0; y < height; y++) {
    const row = (y % DITHER_TILE) * DITHER_TILE;
    for (let x = 0; x < width; x++, p++) {
      const d = dither[row + (x % DITHER_TILE)]!;
      out[p * 4] = encode(r[p]!, d);
      out[p * 4 + 1] = encode(g[p]!, d);
      out[p * 4 + 2] = encode(b[p]!, d);
      out[p * 4 + 3] = 255;
    }
  }
  return out;
}

/** Decodes opaque 8-bit sRGB RGBA (alpha ignored) into a linear canvas. */
export function fromRgba8(data: Buffer, width: number, height: number): Canvas {
  const canvas = createCanvas(width, height);
  const lut = new Float32Array(256);
  for (let i = 0; i < 256; i++) lut[i] = srgbToLinear(i / 255);
  for (let p = 0; p < width * height; p++) {
    canvas.r[p] = lut[data[p * 4]!]!;
    canvas.g[p] = lut[data[p * 4 + 1]!]!;
    canvas.b[p] = lut[data[p * 4 + 2]!]!;
  }
  return canvas;
}

/**
 * Gaussian blur of one plane, approximated by three box blurs (each O(n) whatever the radius), with
 * edge pixels repeated. Returns a new plane.
 */
export function blurPlane(plane: Float32Array, width: number, height: number, sigma: number): Float32Array {
  const out = Float32Array.from(plane);
  if (sigma < 0.5) return out;
  const tmp = new Float32Array(plane.length);
  for (const radius of boxRadii(sigma)) {
    boxRows(out, tmp, width, height, radius);
    boxColumns(tmp, out, width, height, radius);
  }
  return out;
}

/** Blurs the three planes of a canvas into a new canvas. */
export function blurCanvas(canvas: Canvas, sigma: number): Canvas {
  const { width, height } = canvas;
  return {
    width,
    height,
    r: blurPlane(canvas.r, width, height, sigma),
    g: blurPlane(canvas.g, width, height, sigma),
    b: blurPlane(canvas.b, width, height, sigma),
  };
}

/** Radii of three boxes whose succession approximates a Gaussian of `sigma` (Kovesi's method). */
function boxRadii(sigma: number): number[] {
  const n = 3;
  const ideal = Math.sqrt((12 * sigma * sigma) / n + 1);
  let wl = Math.floor(ideal);
  if (wl % 2 === 0) wl--;
  const wu = wl + 2;
  const m = Math.round((12 * sigma * sigma - n * wl * wl - 4 * n * wl - 3 * n) / (-4 * wl - 4));
  return Array.from({ length: n }, (_, i) => ((i < m ? wl : wu) - 1) / 2);
}

/** A running-sum box blur along each row. */
function boxRows(src: Float32Array, dst: Float32Array, width: number, height: number, radius: number): void {
  const scale = 1 / (2 * radius + 1);
  const last = width - 1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let sum = 0;
    for (let i = -radius; i <= radius; i++) sum += src[row + (i < 0 ? 0 : i > last ? last : i)]!;
    for (let x = 0; x < width; x++) {
      dst[row + x] = sum * scale;
      const add = x + radius + 1;
      const drop = x - radius;
      sum += src[row + (add > last ? last : add)]! - src[row + (drop < 0 ? 0 : drop)]!;
    }
  }
}

/** The same down each column, a whole row at a time so memory is read in order. */
function boxColumns(
  src: Float32Array,
  dst: Float32Array,
  width: number,
  height: number,
  radius: number,
): void {
  const scale = 1 / (2 * radius + 1);
  const last = height - 1;
  const sums = new Float64Array(width);
  for (let i = -radius; i <= radius; i++) {
    const row = (i < 0 ? 0 : i > last ? last : i) * width;
    for (let x = 0; x < width; x++) sums[x]! += src[row + x]!;
  }
  for (let y = 0; y < height; y++) {
    const out = y * width;
    const add = (y + radius + 1 > last ? last : y + radius + 1) * width;
    const drop = (y - radius < 0 ? 0 : y - radius) * width;
    for (let x = 0; x < width; x++) {
      dst[out + x] = sums[x]! * scale;
      sums[x]! += src[add + x]! - src[drop + x]!;
    }
  }
}

/** Resamples a canvas to width×height bilinearly (used to bring a scene painted at a capped size up). */
export function resizeCanvas(canvas: Canvas, width: number, height: number): Canvas {
  if (canvas.width === width && canvas.height === height) return canvas;
  const resize = (plane: Float32Array) => resizePlane(plane, canvas.width, canvas.height, width, height);
  return { width, height, r: resize(canvas.r), g: resize(canvas.g), b: resize(canvas.b) };
}

/**
 * Resamples one plane bilinearly, pixel centres aligned. `scale` (source pixels per output pixel) defaults
 * to the ratio of the sizes; pass `1 / factor` to undo `shrinkPlane` exactly, whatever the rounding.
 */
export function resizePlane(
  plane: Float32Array,
  fromWidth: number,
  fromHeight: number,
  width: number,
  height: number,
  scale?: number,
): Float32Array {
  const out = new Float32Array(width * height);
  const sx = scale ?? fromWidth / width;
  const sy = scale ?? fromHeight / height;
  const xs = new Int32Array(width * 2);
  const tx = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const fx = Math.min(fromWidth - 1, Math.max(0, (x + 0.5) * sx - 0.5));
    const x0 = Math.floor(fx);
    xs[x * 2] = x0;
    xs[x * 2 + 1] = Math.min(fromWidth - 1, x0 + 1);
    tx[x] = fx - x0;
  }
  for (let y = 0; y < height; y++) {
    const fy = Math.min(fromHeight - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const ty = fy - y0;
    const row0 = y0 * fromWidth;
    const row1 = Math.min(fromHeight - 1, y0 + 1) * fromWidth;
    for (let x = 0, o = y * width; x < width; x++, o++) {
      const a = xs[x * 2]!;
      const b = xs[x * 2 + 1]!;
      const t = tx[x]!;
      const top = plane[row0 + a]! + (plane[row0 + b]! - plane[row0 + a]!) * t;
      const bottom = plane[row1 + a]! + (plane[row1 + b]! - plane[row1 + a]!) * t;
      out[o] = top + (bottom - top) * ty;
    }
  }
  return out;
}

/** Averages `factor`×`factor` blocks of a plane (the last block of a row or column may be smaller). */
export function shrinkPlane(
  plane: Float32Array,
  width: number,
  height: number,
  factor: number,
): { plane: Float32Array; width: number; height: number } {
  const w = Math.ceil(width / factor);
  const h = Math.ceil(height / factor);
  const sum = new Float32Array(w * h);
  const count = new Float32Array(w * h);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / factor) * w;
    for (let x = 0; x < width; x++) {
      const o = row + Math.floor(x / factor);
      sum[o]! += plane[y * width + x]!;
      count[o]! += 1;
    }
  }
  for (let i = 0; i < sum.length; i++) sum[i]! /= count[i]!;
  return { plane: sum, width: w, height: h };
}

/** Writes a colour at pixel index `i`. */
export function setPixel(canvas: Canvas, i: number, colour: Rgb): void {
  canvas.r[i] = colour[0];
  canvas.g[i] = colour[1];
  canvas.b[i] = colour[2];
}
