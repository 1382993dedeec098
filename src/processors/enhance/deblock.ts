/**
 * A light JPEG deblocking filter for flat areas, used on the *reference* that super-resolution blends with
 * and back-projects against (the model itself sees the untouched input and removes blocks on its own).
 *
 * JPEG codes 8×8 blocks independently, so its artefacts are steps on an 8-pixel grid. We find that grid from
 * the image itself — the phase (0–7) whose column (row) steps between flat neighbours are largest on average
 * (texture's steps are large and random and would hide it) — and only trust it when those steps stand out
 * from the other phases (`GRID_CONTRAST`); an image resized or drawn after its last JPEG round trip has no
 * grid left and is returned unchanged. On 144 crops of the Magento shots, shrunk and saved as JPEG at a
 * known phase, the grid is found on 271 of 288 axes, wrong on 4; none of the resized photos or PNG
 * cut-outs in the products set shows one. Then, across each grid line, a step is
 * smoothed only where both sides are flat (`FLAT_STEP`) and the step is small (`MAX_STEP`): that is where
 * blocks show and where a step cannot be a real edge. The step minus what the neighbours' slope predicts is
 * spread over the four pixels at the line (1/8, 3/8 | 3/8, 1/8), like a weak H.264 deblocking filter.
 *
 * Measured in `bench/eval-sr.ts` (Magento, ×2, JPEG q85): blockiness of the result 1.26 → 1.09 (the
 * originals: 1.14) for 0.01 dB of PSNR; a stronger filter that also touches textured blocks costs 0.2 dB.
 */
import type { Planes } from './resample.js';

/** Block size of JPEG's DCT. */
const BLOCK = 8;
/** The strongest phase must beat the median phase by this factor to count as a JPEG grid. */
export const GRID_CONTRAST = 1.2;
/** Largest neighbour step (0..1) inside a block for it to count as flat. */
const FLAT_STEP = 0.02;
/** Largest step (0..1) across a grid line that is smoothed. */
const MAX_STEP = 0.1;

export interface JpegGrid {
  /** Index mod 8 of the first pixel of a block, per axis; null where no grid shows. */
  readonly x: number | null;
  readonly y: number | null;
}

/** Finds the 8×8 grid of the last JPEG encoding from the luma steps of the first three channels. */
export function findJpegGrid(p: Planes): JpegGrid {
  const { width: w, height: h } = p;
  if (w < 2 * BLOCK || h < 2 * BLOCK) return { x: null, y: null };
  const n = w * h;
  const luma = new Float32Array(n);
  for (let i = 0; i < n; i++)
    luma[i] = 0.299 * p.data[i]! + 0.587 * p.data[n + i]! + 0.114 * p.data[2 * n + i]!;
  // Steps between flat neighbours only: texture's steps are large and random, and would hide the grid.
  const sx = new Float64Array(BLOCK);
  const sy = new Float64Array(BLOCK);
  const nx = new Float64Array(BLOCK);
  const ny = new Float64Array(BLOCK);
  for (let y = 1; y + 2 < h; y++) {
    for (let x = 1; x + 2 < w; x++) {
      const i = y * w + x;
      const p0 = luma[i]!;
      if (Math.abs(p0 - luma[i - 1]!) <= FLAT_STEP && Math.abs(luma[i + 2]! - luma[i + 1]!) <= FLAT_STEP) {
        sx[(x + 1) % BLOCK]! += Math.abs(luma[i + 1]! - p0);
        nx[(x + 1) % BLOCK]!++;
      }
      if (
        Math.abs(p0 - luma[i - w]!) <= FLAT_STEP &&
        Math.abs(luma[i + 2 * w]! - luma[i + w]!) <= FLAT_STEP
      ) {
        sy[(y + 1) % BLOCK]! += Math.abs(luma[i + w]! - p0);
        ny[(y + 1) % BLOCK]!++;
      }
    }
  }
  for (let k = 0; k < BLOCK; k++) {
    sx[k] = nx[k]! > 0 ? sx[k]! / nx[k]! : 0;
    sy[k] = ny[k]! > 0 ? sy[k]! / ny[k]! : 0;
  }
  const phase = (s: Float64Array): number | null => {
    const sorted = [...s].sort((a, b) => a - b);
    const median = (sorted[3]! + sorted[4]!) / 2;
    const best = s.indexOf(sorted[BLOCK - 1]!);
    return median > 0 && sorted[BLOCK - 1]! / median >= GRID_CONTRAST ? best : null;
  };
  return { x: phase(sx), y: phase(sy) };
}

/** Smooths one line of samples (`at(i)` is the i-th sample's index in `d`) across its grid lines. */
function filterLine(d: Float32Array, at: (i: number) => number, length: number, phase: number): void {
  for (let b = phase < 2 ? phase + BLOCK : phase; b + 1 < length; b += BLOCK) {
    const ip1 = at(b - 2);
    const ip0 = at(b - 1);
    const iq0 = at(b);
    const iq1 = at(b + 1);
    const p1 = d[ip1]!;
    const p0 = d[ip0]!;
    const q0 = d[iq0]!;
    const q1 = d[iq1]!;
    const step = q0 - p0;
    if (Math.abs(step) > MAX_STEP || Math.abs(p0 - p1) > FLAT_STEP || Math.abs(q1 - q0) > FLAT_STEP) continue;
    const excess = step - (p0 - p1 + (q1 - q0)) / 2;
    d[ip1] = p1 + excess / 8;
    d[ip0] = p0 + (3 * excess) / 8;
    d[iq0] = q0 - (3 * excess) / 8;
    d[iq1] = q1 - excess / 8;
  }
}

/** A deblocked copy of every channel on `grid` (the input itself when there is no grid). */
export function deblock(p: Planes, grid: JpegGrid): Planes {
  if (grid.x === null && grid.y === null) return p;
  const { width: w, height: h, channels } = p;
  const d = p.data.slice();
  for (let c = 0; c < channels; c++) {
    const base = c * w * h;
    if (grid.x !== null) for (let y = 0; y < h; y++) filterLine(d, (i) => base + y * w + i, w, grid.x);
    if (grid.y !== null) for (let x = 0; x < w; x++) filterLine(d, (i) => base + i * w + x, h, grid.y);
  }
  return { ...p, data: d };
}
