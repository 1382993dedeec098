/**
 * Deterministic randomness for the offline backgrounds: the same seed paints the same scene on every
 * machine. Everything is integer hashing (Math.imul) and plain arithmetic — no Math.random, no state — so a
 * pixel's value depends only on its coordinates and the seed.
 */

/** A 32-bit seed from text (FNV-1a), e.g. from the request's style, lighting and perspective. */
export function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A well-mixed 32-bit hash of two integers and a seed (murmur3's finaliser). */
export function hash2(x: number, y: number, seed: number): number {
  let h = (Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ seed) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A uniform value in [0, 1) for an integer lattice point. */
export const random01 = (x: number, y: number, seed: number): number => hash2(x, y, seed) / 4294967296;

// Twelve unit gradient directions, evenly spaced: fewer directional artefacts than the classic eight.
const GX = new Float64Array(12);
const GY = new Float64Array(12);
for (let i = 0; i < 12; i++) {
  GX[i] = Math.cos((i * Math.PI) / 6);
  GY[i] = Math.sin((i * Math.PI) / 6);
}

const fade = (t: number) => t * t * t * (t * (t * 6 - 15) + 10);

/** 2-D gradient (Perlin) noise, roughly in [-1, 1], smooth and zero at lattice points. */
export function noise2(x: number, y: number, seed: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const g00 = hash2(x0, y0, seed) % 12;
  const g10 = hash2(x0 + 1, y0, seed) % 12;
  const g01 = hash2(x0, y0 + 1, seed) % 12;
  const g11 = hash2(x0 + 1, y0 + 1, seed) % 12;
  const n00 = GX[g00]! * fx + GY[g00]! * fy;
  const n10 = GX[g10]! * (fx - 1) + GY[g10]! * fy;
  const n01 = GX[g01]! * fx + GY[g01]! * (fy - 1);
  const n11 = GX[g11]! * (fx - 1) + GY[g11]! * (fy - 1);
  const u = fade(fx);
  const v = fade(fy);
  const a = n00 + (n10 - n00) * u;
  const b = n01 + (n11 - n01) * u;
  return (a + (b - a) * v) * 1.4;
}

/**
 * Fractal noise: `octaves` layers of noise2, each twice the frequency and `gain` times the amplitude of the
 * one before, normalised to roughly [-1, 1]. Each octave has its own seed so the layers do not line up.
 */
export function fbm(x: number, y: number, seed: number, octaves: number, gain = 0.5): number {
  let sum = 0;
  let amplitude = 1;
  let norm = 0;
  let f = 1;
  for (let o = 0; o < octaves; o++) {
    sum += amplitude * noise2(x * f, y * f, (seed + Math.imul(o, 0x9e3779b9)) >>> 0);
    norm += amplitude;
    amplitude *= gain;
    f *= 2;
  }
  return sum / norm;
}

/** A seeded sequence of uniform numbers in [0, 1) (mulberry32), for placing a scene's props. */
export function sequence(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
