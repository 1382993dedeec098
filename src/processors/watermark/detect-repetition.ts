/**
 * Tiled marks repeat on a lattice: the same text at every `i·v1 + j·v2`. The detector finds some copies (about
 * six in ten of faint diagonal ones); the lattice found from them predicts where the others are, and each
 * predicted place is then tested against the mark's own blend like any other region.
 *
 * The lattice comes from voting: the offsets between the centres of whole copies (not clipped by the image
 * edge) cluster at lattice vectors; the two shortest well-supported, non-parallel clusters are the basis.
 */
import { type Region, type RegionAnalysis, strokeCentre } from './analyse-region.js';
import { type Box, countSet, dilate } from './raster.js';

export interface Copy {
  /** Centre of the copy's strokes, image pixels. */
  readonly cx: number;
  readonly cy: number;
  readonly region: Region;
}

export type Vector = readonly [number, number];

/** Stroke centre of a found copy, or null when its region touches the image edge (a clipped copy). */
export function copyOf(
  a: RegionAnalysis,
  region: Region,
  width: number,
  height: number,
  intactOnly = true,
): Copy | null {
  const b = region.box;
  if (intactOnly && (b.x0 <= 1 || b.y0 <= 1 || b.x1 >= width - 1 || b.y1 >= height - 1)) return null;
  const c = strokeCentre(a);
  return c ? { cx: c[0], cy: c[1], region } : null;
}

/**
 * Two lattice vectors that the offsets between copies agree on (at least `minVotes` pairs within `tolerance`
 * pixels), or null when the copies do not repeat.
 */
export function latticeOf(copies: readonly Copy[], tolerance: number, minVotes = 2): [Vector, Vector] | null {
  const offsets: [number, number][] = [];
  for (let i = 0; i < copies.length; i++)
    for (let j = 0; j < copies.length; j++) {
      if (i === j) continue;
      const dx = copies[j]!.cx - copies[i]!.cx;
      const dy = copies[j]!.cy - copies[i]!.cy;
      // One of each ± pair: the half-plane dy > 0, or dy == 0 and dx > 0.
      if (dy > 0 || (dy === 0 && dx > 0)) offsets.push([dx, dy]);
    }
  const clusters: { v: [number, number]; votes: number; length: number }[] = [];
  for (const o of offsets) {
    const near = offsets.filter((p) => Math.hypot(p[0] - o[0], p[1] - o[1]) <= tolerance);
    const v: [number, number] = [
      near.reduce((s, p) => s + p[0], 0) / near.length,
      near.reduce((s, p) => s + p[1], 0) / near.length,
    ];
    if (
      near.length >= minVotes &&
      !clusters.some((c) => Math.hypot(c.v[0] - v[0], c.v[1] - v[1]) <= tolerance)
    )
      clusters.push({ v, votes: near.length, length: Math.hypot(v[0], v[1]) });
  }
  clusters.sort((a, b) => a.length - b.length);
  const first = clusters[0];
  if (!first) return null;
  for (const c of clusters.slice(1)) {
    const cross = Math.abs(first.v[0] * c.v[1] - first.v[1] * c.v[0]) / (first.length * c.length);
    if (cross > 0.3) return [first.v, c.v];
  }
  return null;
}

/**
 * Regions where the lattice puts copies that were not found: each found copy's region shifted by lattice
 * steps (up to `maxSteps` each way), kept when it lands mostly inside the image and away from every found copy.
 */
export function predictedCopies(
  copies: readonly Copy[],
  found: readonly Copy[],
  lattice: [Vector, Vector],
  width: number,
  height: number,
  maxSteps: number,
): Region[] {
  const out: Region[] = [];
  const centres: [number, number][] = found.map((c) => [c.cx, c.cy]);
  const spacing = Math.min(Math.hypot(...lattice[0]), Math.hypot(...lattice[1]));
  // The largest whole copy is the template: a fragment the detector split off would only predict fragments.
  const source = [...copies].sort((a, b) => areaOf(b.region) - areaOf(a.region))[0];
  if (!source) return out;
  for (let i = -maxSteps; i <= maxSteps; i++)
    for (let j = -maxSteps; j <= maxSteps; j++) {
      const dx = i * lattice[0][0] + j * lattice[1][0];
      const dy = i * lattice[0][1] + j * lattice[1][1];
      const cx = source.cx + dx;
      const cy = source.cy + dy;
      if (cx < -spacing / 2 || cy < -spacing / 2 || cx > width + spacing / 2 || cy > height + spacing / 2)
        continue;
      if (centres.some(([x, y]) => Math.hypot(x - cx, y - cy) < spacing / 3)) continue;
      const shifted = shiftRegion(source.region, Math.round(dx), Math.round(dy), width, height);
      if (shifted) {
        out.push(shifted);
        centres.push([cx, cy]);
      }
    }
  return out;
}

/**
 * Where a third copy may be, given two: the offset `v` between them is a lattice vector, so is any multiple,
 * and (when the copies are not neighbours) so may be v/2, v/3 or v/4. Returns the first copy's region shifted
 * by the fractions j·v/d between the two, then by k·v (k = −1, 2, −2).
 */
export function predictedAlong(copy: Copy, v: Vector, width: number, height: number): Region[] {
  const steps: number[] = [];
  for (const d of [2, 3, 4])
    for (let j = 1; j < d; j++) if (!steps.some((t) => Math.abs(t - j / d) < 1e-6)) steps.push(j / d);
  steps.push(-1, 2, -2);
  const out: Region[] = [];
  for (const k of steps) {
    const shifted = shiftRegion(copy.region, Math.round(k * v[0]), Math.round(k * v[1]), width, height);
    if (shifted) out.push(shifted);
  }
  return out;
}

function shiftRegion(region: Region, dx: number, dy: number, width: number, height: number): Region | null {
  const b = region.box;
  const box: Box = {
    x0: Math.max(0, b.x0 + dx),
    y0: Math.max(0, b.y0 + dy),
    x1: Math.min(width, b.x1 + dx),
    y1: Math.min(height, b.y1 + dy),
  };
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  if (w <= 4 || h <= 4) return null;
  const bw = b.x1 - b.x0;
  const mask = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      mask[y * w + x] = region.mask[(y + box.y0 - dy - b.y0) * bw + (x + box.x0 - dx - b.x0)]!;
  // A few pixels of slack for the lattice's rounding.
  return { box, mask: dilate(mask, w, h, 4), textHeight: region.textHeight };
}

const areaOf = (region: Region): number => countSet(region.mask);
