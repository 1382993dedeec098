/**
 * Known, repeatable degradations of a good photo, for checking that `enhance`'s corrections undo them
 * (test/processors/enhance/*, bench/eval-corrections.ts). Each returns a new image; alpha is kept.
 */
import type { RawImage } from '../../src/processors/types.js';

const toLinear = (v: number) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};
const toSrgb = (l: number) => {
  const c = l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055;
  return Math.max(0, Math.min(255, Math.round(c * 255)));
};
const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

function perChannel(img: RawImage, f: (v: number, c: number) => number): RawImage {
  const out = Buffer.from(img.data);
  for (let i = 0; i < out.length; i += 4) for (let c = 0; c < 3; c++) out[i + c] = f(out[i + c]!, c);
  return { ...img, data: out };
}

/** Contrast scaled by `c` around mid-grey: `128 + c·(v − 128)` on each channel (c < 1 flattens). */
export const lowerContrast = (img: RawImage, c: number) => perChannel(img, (v) => clamp(128 + c * (v - 128)));

/** Every channel multiplied by `k` (k < 1: a dim, underexposed photo). */
export const scaleExposure = (img: RawImage, k: number) => perChannel(img, (v) => clamp(k * v));

/** A colour cast: per-channel gains in linear light, as a wrong white balance gives. */
export const colourCast = (img: RawImage, gains: readonly [number, number, number]) =>
  perChannel(img, (v, c) => toSrgb(toLinear(v) * gains[c]!));

/** A seeded standard normal generator (mulberry32 + Box–Muller): the same noise on every run. */
export function gaussianSource(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
}

/** Independent Gaussian noise of σ `sigma` levels on each channel, clamped to 0..255. */
export function addGaussianNoise(img: RawImage, sigma: number, seed = 6): RawImage {
  const rand = gaussianSource(seed);
  return perChannel(img, (v) => clamp(v + sigma * rand()));
}
