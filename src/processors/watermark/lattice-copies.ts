/**
 * Every copy of a tiled mark read at one point of the mark. The copies of a grid laid at an angle fall
 * between pixels, each at its own phase (steps of 171.3 px, not 171): folded onto whole pixels, they blur the
 * mark's edges by up to a pixel, which leaves its outline after un-blending. So each copy is read at the
 * point's own phase, interpolated between its pixels (Catmull-Rom, which keeps a 3 px stroke's edge; bilinear
 * blurs it). What is read is the opacity a pixel says the mark has there (`said`), not the pixel itself. The
 * points are those of one cell on a half-pixel grid; each pixel reads its own point between them.
 */
import type { Planes } from './estimate-alpha.js';
import { type CellPlace, LatticeCell } from './lattice-cell.js';
import type { Step } from './tile-lattice.js';
import { Samples } from './weighted-samples.js';

/** A value and its weight, written in place (the readers run millions of times). */
export interface Reading {
  value: number;
  weight: number;
}

/** What each pixel says of the mark's opacity (`said`), and its weight: 0 where it says nothing. */
export interface OpacitySaid {
  readonly value: Float32Array;
  readonly weight: Float32Array;
  /**
   * 1 where all 16 pixels a point past this one reads by Catmull-Rom (rows and columns −1 to 2) weigh in:
   * one look-up per read instead of sixteen.
   */
  readonly whole: Uint8Array;
}

/**
 * Grid points per pixel of the cell the opacity is measured on: at 1 the second interpolation (copies read
 * between pixels, then the grid read between points) cost the shared set's tiled marks 0.3 dB; at 2 nothing.
 */
const GRID = 2;

/** A pixel weighs in only where the ink is this far from what lies under it (RMS levels). */
export const MIN_CONTRAST = 20;

/** `said` at every pixel of a `width`-wide image. */
export function opacitySaid(m: Planes, under: Planes, ink: number, width: number): OpacitySaid {
  const n = m[0].length;
  const value = new Float32Array(n);
  const weight = new Float32Array(n);
  const read: Reading = { value: 0, weight: 0 };
  for (let i = 0; i < n; i++)
    if (said(m, under, ink, i, read)) {
      value[i] = read.value;
      weight[i] = read.weight;
    }
  return { value, weight, whole: wholeBlocks(weight, width) };
}

/** 1 at pixels whose 4 × 4 block, rows and columns −1 to 2 around them, all weigh in (0 at the image's rim). */
function wholeBlocks(weight: Float32Array, W: number): Uint8Array {
  const H = weight.length / W;
  // Runs of 4 weighing pixels along each row, starting one column left; then 4 such rows, one row up.
  const rows = new Uint8Array(weight.length);
  for (let y = 0; y < H; y++)
    for (let x = 1; x < W - 2; x++) {
      const i = y * W + x;
      rows[i] = weight[i - 1]! > 0 && weight[i]! > 0 && weight[i + 1]! > 0 && weight[i + 2]! > 0 ? 1 : 0;
    }
  const whole = new Uint8Array(weight.length);
  for (let y = 1; y < H - 2; y++)
    for (let x = 1; x < W - 2; x++) {
      const i = y * W + x;
      whole[i] = rows[i - W]! & rows[i]! & rows[i + W]! & rows[i + 2 * W]!;
    }
  return whole;
}

/** The copies of every pixel on a lattice of (fractional) steps v1, v2 over a W × H image. */
export class LatticeCopies {
  private readonly cell: LatticeCell;
  /** The range of lattice coordinates over the image. */
  private readonly sMin: number;
  private readonly sMax: number;
  private readonly tMin: number;
  private readonly tMax: number;
  private readonly read: Reading = { value: 0, weight: 0 };

  constructor(
    lattice: { readonly v1: Step; readonly v2: Step },
    private readonly W: number,
    private readonly H: number,
  ) {
    this.cell = new LatticeCell(lattice);
    const corners = [
      this.cell.coords(0, 0),
      this.cell.coords(W - 1, 0),
      this.cell.coords(0, H - 1),
      this.cell.coords(W - 1, H - 1),
    ];
    this.sMin = Math.min(...corners.map((c) => c[0]));
    this.sMax = Math.max(...corners.map((c) => c[0]));
    this.tMin = Math.min(...corners.map((c) => c[1]));
    this.tMax = Math.max(...corners.map((c) => c[1]));
  }

  /** Most copies a pixel can have: the capacity a `Samples` needs. */
  get most(): number {
    return Math.ceil((this.sMax - this.sMin + 2) * (this.tMax - this.tMin + 2));
  }

  /**
   * The mark's opacity at every `marked` pixel: the contrast-weighted median of what the copies say (`said`),
   * clipped at 0. It is measured once per point of one cell, on a grid of GRID points per pixel in the cell,
   * from all the copies of that point, and read at each pixel's own point of the cell by Catmull-Rom: every
   * copy of a point of the mark has the same opacity, so measuring it once per pixel did the same work a
   * copy-count times over.
   */
  opacities(marked: Uint8Array, said: OpacitySaid): Float32Array {
    const { W, cell } = this;
    // The cell's bounding box on whole pixels, with the rows and columns Catmull-Rom reads around it (−1, +2).
    const bounds = cell.bounds();
    const u0 = Math.floor(bounds.x0) - 1;
    const v0 = Math.floor(bounds.y0) - 1;
    const gw = (Math.ceil(bounds.x1) + 3 - u0) * GRID;
    const gh = (Math.ceil(bounds.y1) + 3 - v0) * GRID;
    // Each marked pixel's point in the cell, and the grid points its reading needs.
    let count = 0;
    for (let p = 0; p < marked.length; p++) if (marked[p]) count++;
    const pixel = new Int32Array(count);
    const pointU = new Float64Array(count);
    const pointV = new Float64Array(count);
    const needed = new Uint8Array(gw * gh);
    const at: CellPlace = { i: 0, j: 0, dx: 0, dy: 0 };
    for (let p = 0, k = 0; p < marked.length; p++) {
      if (!marked[p]) continue;
      const x = p % W;
      cell.place(x, (p - x) / W, at);
      const u = (at.dx - u0) * GRID;
      const v = (at.dy - v0) * GRID;
      pixel[k] = p;
      pointU[k] = u;
      pointV[k++] = v;
      const g = Math.floor(v) * gw + Math.floor(u);
      for (let r = -1; r <= 2; r++) needed.fill(1, g + r * gw - 1, g + r * gw + 3);
    }
    // NaN where fewer than 3 copies say anything.
    const grid = new Float64Array(gw * gh).fill(Number.NaN);
    const samples = new Samples(this.most);
    for (let g = 0; g < gw * gh; g++) {
      if (!needed[g]) continue;
      this.gatherAt(u0 + (g % gw) / GRID, v0 + Math.floor(g / gw) / GRID, said, samples);
      if (samples.n >= 3) grid[g] = samples.weightedMedian(0, 1);
    }
    const alpha = new Float32Array(marked.length);
    for (let k = 0; k < count; k++) {
      const a = between(grid, gw, pointU[k]!, pointV[k]!);
      alpha[pixel[k]!] = a > 0 ? a : 0;
    }
    return alpha;
  }

  /** Into `samples` (cleared first), what every copy of the point (x, y) inside the image says. */
  private gatherAt(x: number, y: number, said: OpacitySaid, samples: Samples): void {
    const { W, H, read } = this;
    const { ax, ay, bx, by } = this.cell;
    const [s, t] = this.cell.coords(x, y);
    samples.clear();
    for (let i = Math.ceil(this.sMin - s); i <= Math.floor(this.sMax - s); i++)
      for (let j = Math.ceil(this.tMin - t); j <= Math.floor(this.tMax - t); j++)
        if (readBetween(said, W, H, x + i * ax + j * bx, y + i * ay + j * by, read))
          samples.push(read.value, read.weight);
  }
}

/**
 * `grid` (`gw` wide, NaN where unknown) at the point (u, v) between its points: Catmull-Rom where all 16
 * points around it are known, else the nearest point, 0 where that is unknown too.
 */
function between(grid: Float64Array, gw: number, u: number, v: number): number {
  const u0 = Math.floor(u);
  const v0 = Math.floor(v);
  catmullRom(u - u0, CX);
  catmullRom(v - v0, CY);
  let sum = 0;
  for (let r = 0; r < 4; r++) {
    const row = (v0 + r - 1) * gw + u0 - 1;
    sum +=
      CY[r]! *
      (CX[0]! * grid[row]! + CX[1]! * grid[row + 1]! + CX[2]! * grid[row + 2]! + CX[3]! * grid[row + 3]!);
  }
  if (!Number.isNaN(sum)) return sum;
  const nearest = grid[Math.round(v) * gw + Math.round(u)]!;
  return Number.isNaN(nearest) ? 0 : nearest;
}

/**
 * What pixel `i` of `m` says of the mark's opacity there, into `out`: `m − under = a·(ink − under)` solved for
 * `a` over the three channels, weighted by how far the ink is from the ground (false where it is too close
 * to say anything: a white mark over a white backdrop).
 */
export function said(m: Planes, under: Planes, ink: number, i: number, out: Reading): boolean {
  let num = 0;
  let den = 0;
  for (let ch = 0; ch < 3; ch++) {
    const d = ink - under[ch]![i]!;
    num += (m[ch]![i]! - under[ch]![i]!) * d;
    den += d * d;
  }
  if (den < 3 * MIN_CONTRAST * MIN_CONTRAST) return false;
  out.value = num / den;
  out.weight = Math.sqrt(den);
  return true;
}

/**
 * `values` at a point between pixels, into `out`: Catmull-Rom where all 16 pixels around it have weight,
 * bilinear where only the 4 nearest do (the weight is always bilinear), false where one of those has none.
 */
function readBetween(said: OpacitySaid, W: number, H: number, x: number, y: number, out: Reading): boolean {
  const { value: values, weight } = said;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  if (x0 < 0 || y0 < 0 || x0 >= W - 1 || y0 >= H - 1) return false;
  const fx = x - x0;
  const fy = y - y0;
  const i = y0 * W + x0;
  // A pixel the point does not reach (a whole-pixel step) need not weigh anything.
  const w00 = weight[i]!;
  const w01 = fx > 0 ? weight[i + 1]! : 1;
  const w10 = fy > 0 ? weight[i + W]! : 1;
  const w11 = fx > 0 && fy > 0 ? weight[i + W + 1]! : 1;
  if (w00 === 0 || w01 === 0 || w10 === 0 || w11 === 0) return false;
  if (fx === 0 && fy === 0) {
    out.value = values[i]!;
    out.weight = w00;
    return true;
  }
  out.weight = (w00 * (1 - fx) + w01 * fx) * (1 - fy) + (w10 * (1 - fx) + w11 * fx) * fy;
  if (said.whole[i] === 1) {
    catmullRom(fx, CX);
    catmullRom(fy, CY);
    let v = 0;
    for (let r = 0; r < 4; r++) {
      const row = i + (r - 1) * W - 1;
      v +=
        CY[r]! *
        (CX[0]! * values[row]! +
          CX[1]! * values[row + 1]! +
          CX[2]! * values[row + 2]! +
          CX[3]! * values[row + 3]!);
    }
    out.value = v;
    return true;
  }
  out.value =
    (values[i]! * (1 - fx) + values[i + 1]! * fx) * (1 - fy) +
    (values[i + W]! * (1 - fx) + values[i + W + 1]! * fx) * fy;
  return true;
}

const CX = new Float64Array(4);
const CY = new Float64Array(4);

/** Catmull-Rom weights of the 4 pixels around a point `t` (0..1) past the second, into `out`. */
function catmullRom(t: number, out: Float64Array): void {
  const t2 = t * t;
  const t3 = t2 * t;
  out[0] = (-t3 + 2 * t2 - t) / 2;
  out[1] = (3 * t3 - 5 * t2 + 2) / 2;
  out[2] = (-3 * t3 + 4 * t2 + t) / 2;
  out[3] = (t3 - t2) / 2;
}
