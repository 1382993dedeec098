/**
 * Line-screen marks: a logo or stamp laid over the photo as a screen of thin parallel lines, one or two pixels
 * wide every few pixels (a scan-line overlay; a halftoned or interlaced stamp looks the same). The text
 * detector does not see it and the blend fit cannot measure it, since the mark's coverage flips from line to
 * line. Its own structure gives it away, and the lines between its lines are the photo itself.
 *
 * **Find.** Across the lines the second difference `v = L(y) − (L(y−1) + L(y+1)) / 2` of luminance is large,
 * along them it is not; a light mark makes `v` skewed positive (a line +a, its two neighbours −a/2 each), a dark
 * one negative. Those three, pooled over 8 px blocks, pick candidate areas. A photo has such areas too (a
 * horizontal edge, a thin highlight, a grille), so what decides is the screen's period: `v` correlates with
 * itself `period` pixels on: 0.9–0.98 for the screens we have seen; at most 0.61 over the 110 real photos of
 * our product, scene and stock sets, whose edges, grilles and knits pass the first three tests here and there.
 *
 * **Restore.** A pixel is on a line where it stands out, in the mark's direction, from its two neighbours across
 * the lines, on average along the line too (texture beside a line stands out here and there, a line all along),
 * and a line lies a period away (a thin highlight of the photo has no such partner). Each such pixel is
 * interpolated across the lines from the nearest pixels that are not on a line, at most `REACH` away: the photo
 * one or two pixels on each side, exact on smooth ground. On fine texture it is as close as interpolating from
 * the true neighbours gets (32.7 dB on a mesh bag, test/processors/line-screen.test.ts).
 * Solid parts of a stamp, where its lines merge, have no photo between them and stay; so does a faint veil
 * laid over the whole stamp.
 */

import { type Box, boxesOverlap, labelComponents } from '../connected-components.js';
import type { RawImage } from '../types.js';
import { luminance } from './lattice-signal.js';

export interface LineScreen {
  /** Pixel box of the area restored. */
  readonly box: Box;
  /** `rows`: the lines run along x (stacked in y); `columns`: they run along y. */
  readonly lines: 'rows' | 'columns';
  /** Distance between lines, pixels. */
  readonly period: number;
  /** The lines lighten (1) or darken (−1) the photo. */
  readonly sign: 1 | -1;
  /** Autocorrelation of the second difference at `period`, the evidence (0..1). */
  readonly periodicity: number;
  /** Pixels restored. */
  readonly pixels: number;
}

/** Rec. 601 luma weights. */
const [R, G, B] = [0.299, 0.587, 0.114];
/** Block side for the candidate statistics, pixels. */
const BLOCK = 8;
/** Candidate windows are (2·WINDOW_BLOCKS + 1)² blocks. */
const WINDOW_BLOCKS = 1;
/** Mean |v| (luminance levels) a screen's window has at least: a 15 %-opaque line on mid grey gives ≈ 10. */
const MIN_ACROSS = 2.5;
/** Mean |v| across the lines over mean |v| along them, at least. */
const MIN_ANISOTROPY = 2;
/** |Σv³| / Σ|v|³ at least: a line and its two half-height neighbours give 0.6, a symmetric texture 0. */
const MIN_SKEW = 0.35;
/** Fewest candidate blocks (≈ 1500 px) and rows of blocks a screen spans. */
const MIN_BLOCKS = 24;
const MIN_SPAN_BLOCKS = 4;
/** Periods looked for, pixels. */
const PERIODS = [2, 3, 4, 5, 6] as const;
/** Autocorrelation at the period at least, and at lag 1 at most (a line's neighbours are its opposite). */
const MIN_PERIODICITY = 0.75;
const MAX_NEIGHBOUR_CORRELATION = -0.2;
/**
 * A pixel is on a line when it stands out by more than this (luminance levels) from its neighbours across: a
 * light line over a light surface stands out by little and still shows (6 left the lines over a watch's bright
 * steel: eval:wm ms01 10.8, wg02 9.2, cap_red sweep 8.0 dB against 11.1, 9.4, 8.2 now). The tests along the
 * line and a period on keep JPEG noise out.
 */
const ON_LINE = 3;
/** Pixels either side along a line over which its stand-out is averaged. */
const ALONG = 2;
/** Farthest pixel off the lines an on-line pixel is interpolated from. */
const REACH = 3;

/** The line screens in the image and the image with them restored (the input itself when there are none). */
export function restoreLineScreens(image: RawImage): { screens: LineScreen[]; restored: RawImage } {
  const stats = blockStats(image);
  const found: LineScreen[] = [];
  let luma: Float32Array | null = null;
  let out: Buffer | null = null;
  for (const lines of ['rows', 'columns'] as const) {
    const axis = axisOf(lines, image.width, image.height);
    for (const candidate of candidates(stats, image.width, image.height, lines)) {
      luma ??= luminance(image, 1);
      const screen = measured(luma, image.width, candidate, axis);
      if (!screen) continue;
      // Between the lines of a light screen the photo reads as dark lines: the strongest screen claims its box.
      if (found.some((f) => f.sign !== screen.sign && boxesOverlap(f.box, candidate.box))) continue;
      // The copy is made for the first screen found, not for candidates a photo's own edges raise.
      out ??= Buffer.from(image.data);
      const pixels = restore(image, luma, out, candidate.box, lines, screen);
      found.push({ box: candidate.box, lines, ...screen, pixels });
    }
  }
  return { screens: found, restored: out ? { ...image, data: out } : image };
}

/** Steps of the index: `across` between pixels across the lines, with the extent in that direction. */
interface Axis {
  readonly across: number;
  /** Position of pixel i across the lines, and the count of positions. */
  readonly position: (i: number) => number;
  readonly extent: number;
}

function axisOf(lines: 'rows' | 'columns', width: number, height: number): Axis {
  return lines === 'rows'
    ? { across: width, position: (i) => Math.floor(i / width), extent: height }
    : { across: 1, position: (i) => i % width, extent: width };
}

/** Second difference across the lines at i (0 on the image's first and last line). */
function across(luma: Float32Array, i: number, axis: Axis): number {
  const p = axis.position(i);
  if (p === 0 || p === axis.extent - 1) return 0;
  return luma[i]! - 0.5 * (luma[i - axis.across]! + luma[i + axis.across]!);
}

interface Candidate {
  readonly box: Box;
  /** 1 for the pixels of the candidate's blocks, over the box. */
  readonly inside: Uint8Array;
  /** Candidate pixels, for the strongest first. */
  readonly area: number;
}

/**
 * Per 8 px block, Σ|v|, Σv³ and Σ|v|³ of the second difference in y (`rows`) and in x (`columns`): one pass
 * serves both directions, each one's "along" being the other's "across".
 */
interface BlockStats {
  readonly bw: number;
  readonly bh: number;
  readonly abs: Record<LineScreen['lines'], Float64Array>;
  readonly cube: Record<LineScreen['lines'], Float64Array>;
  readonly absCube: Record<LineScreen['lines'], Float64Array>;
}

function blockStats(image: RawImage): BlockStats {
  const { width, height, data } = image;
  const bw = Math.ceil(width / BLOCK);
  const bh = Math.ceil(height / BLOCK);
  const make = () => new Float64Array(bw * bh);
  const [absR, cubeR, absCubeR, absC, cubeC, absCubeC] = [make(), make(), make(), make(), make(), make()];
  for (let y = 1; y < height - 1; y++) {
    const row = y * width;
    const brow = Math.floor(y / BLOCK) * bw;
    // One pixel in four, on diagonals (one residue of x + y mod 4) so every parity of rows and of columns counts: a
    // screen's lines are long, and a quarter of their pixels says as much as all of them.
    for (let x = 1 + ((3 - ((y + 1) & 3)) & 3); x < width - 1; x += 4) {
      const i = row + x;
      const j = 4 * i;
      const up = j - 4 * width;
      const down = j + 4 * width;
      const l = R * data[j]! + G * data[j + 1]! + B * data[j + 2]!;
      const above = R * data[up]! + G * data[up + 1]! + B * data[up + 2]!;
      const below = R * data[down]! + G * data[down + 1]! + B * data[down + 2]!;
      const left = R * data[j - 4]! + G * data[j - 3]! + B * data[j - 2]!;
      const right = R * data[j + 4]! + G * data[j + 5]! + B * data[j + 6]!;
      const b = brow + ((x / BLOCK) | 0);
      const r = l - 0.5 * (above + below);
      const c = l - 0.5 * (left + right);
      const ar = Math.abs(r);
      const ac = Math.abs(c);
      absR[b] = absR[b]! + ar;
      cubeR[b] = cubeR[b]! + r * r * r;
      absCubeR[b] = absCubeR[b]! + ar * ar * ar;
      absC[b] = absC[b]! + ac;
      cubeC[b] = cubeC[b]! + c * c * c;
      absCubeC[b] = absCubeC[b]! + ac * ac * ac;
    }
  }
  return {
    bw,
    bh,
    abs: { rows: absR, columns: absC },
    cube: { rows: cubeR, columns: cubeC },
    absCube: { rows: absCubeR, columns: absCubeC },
  };
}

/** Connected areas of blocks whose windows look like a screen: strong, one-sided, across the lines only. */
function candidates(
  stats: BlockStats,
  width: number,
  height: number,
  lines: LineScreen['lines'],
): Candidate[] {
  const { bw, bh } = stats;
  const absV = stats.abs[lines];
  const absH = stats.abs[lines === 'rows' ? 'columns' : 'rows'];
  const cubeV = stats.cube[lines];
  const absCubeV = stats.absCube[lines];
  const screen = new Uint8Array(bw * bh);
  for (let by = 0; by < bh; by++)
    for (let bx = 0; bx < bw; bx++) {
      let sv = 0;
      let sh = 0;
      let sc = 0;
      let sa = 0;
      let px = 0;
      for (let dy = -WINDOW_BLOCKS; dy <= WINDOW_BLOCKS; dy++)
        for (let dx = -WINDOW_BLOCKS; dx <= WINDOW_BLOCKS; dx++) {
          const y = by + dy;
          const x = bx + dx;
          if (y < 0 || y >= bh || x < 0 || x >= bw) continue;
          const b = y * bw + x;
          sv += absV[b]!;
          sh += absH[b]!;
          sc += cubeV[b]!;
          sa += absCubeV[b]!;
          px += 0.25 * Math.min(BLOCK, width - x * BLOCK) * Math.min(BLOCK, height - y * BLOCK);
        }
      screen[by * bw + bx] =
        sv / px > MIN_ACROSS && sv > MIN_ANISOTROPY * sh && Math.abs(sc) > MIN_SKEW * sa ? 1 : 0;
    }
  const { components, labels } = labelComponents(bw, bh, (b) => screen[b] === 1);
  const spanOf = (c: Box) => (lines === 'columns' ? c.x1 - c.x0 : c.y1 - c.y0);
  const out: Candidate[] = [];
  components.forEach((c, k) => {
    if (c.area < MIN_BLOCKS || spanOf(c.box) < MIN_SPAN_BLOCKS) return;
    const box = {
      x0: c.box.x0 * BLOCK,
      y0: c.box.y0 * BLOCK,
      x1: Math.min(width, c.box.x1 * BLOCK),
      y1: Math.min(height, c.box.y1 * BLOCK),
    };
    const w = box.x1 - box.x0;
    const inside = new Uint8Array(w * (box.y1 - box.y0));
    let area = 0;
    for (let y = box.y0; y < box.y1; y++)
      for (let x = box.x0; x < box.x1; x++)
        if (labels[Math.floor(y / BLOCK) * bw + Math.floor(x / BLOCK)] === k + 1) {
          inside[(y - box.y0) * w + x - box.x0] = 1;
          area++;
        }
    out.push({ box, inside, area });
  });
  return out.sort((a, b) => b.area - a.area);
}

/** The candidate's period and direction, or null when its second difference is not periodic. */
function measured(
  luma: Float32Array,
  width: number,
  c: Candidate,
  axis: Axis,
): Pick<LineScreen, 'period' | 'sign' | 'periodicity'> | null {
  const lags = [1, ...PERIODS];
  const products = new Float64Array(lags.length);
  let energy = 0;
  let cube = 0;
  const w = c.box.x1 - c.box.x0;
  const at = (y: number, x: number) => (y + c.box.y0) * width + x + c.box.x0;
  for (let y = 0; y < c.box.y1 - c.box.y0; y++)
    for (let x = 0; x < w; x++) {
      if (!c.inside[y * w + x]) continue;
      const i = at(y, x);
      const v = across(luma, i, axis);
      energy += v * v;
      cube += v * v * v;
      const p = axis.position(i);
      lags.forEach((lag, k) => {
        if (p + lag < axis.extent - 1)
          products[k] = products[k]! + v * across(luma, i + lag * axis.across, axis);
      });
    }
  if (energy === 0) return null;
  const correlation = [...products].map((s) => s / energy);
  let best = 1;
  for (let k = 2; k < lags.length; k++) if (correlation[k]! > correlation[best]!) best = k;
  if (correlation[best]! < MIN_PERIODICITY || correlation[0]! > MAX_NEIGHBOUR_CORRELATION) return null;
  return { period: lags[best]!, sign: cube >= 0 ? 1 : -1, periodicity: correlation[best]! };
}

/** Interpolates the on-line pixels of the candidate across the lines; returns how many were restored. */
function restore(
  image: RawImage,
  luma: Float32Array,
  out: Buffer,
  box: Box,
  lines: LineScreen['lines'],
  screen: Pick<LineScreen, 'sign' | 'period'>,
): number {
  const { width } = image;
  const axis = axisOf(lines, width, image.height);
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  // How far each pixel stands out, in the mark's direction, from its two neighbours across the lines.
  const standOut = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y + box.y0) * width + x + box.x0;
      standOut[y * w + x] = screen.sign * across(luma, i, axis);
    }
  // The same steps within the box, across the lines and along them.
  const inBox = axisOf(lines, w, h);
  const alongBox = axisOf(lines === 'rows' ? 'columns' : 'rows', w, h);
  const local = inBox.across;
  const along = alongBox.across;
  const [acrossPos, acrossSpan] = [inBox.position, inBox.extent];
  const [alongPos, alongSpan] = [alongBox.position, alongBox.extent];
  // A line stands out all along it; texture beside a line stands out here and there. The mean along the line
  // keeps the one and averages out the other.
  const lineMean = new Float32Array(w * h);
  for (let k = 0; k < lineMean.length; k++) {
    const q = alongPos(k);
    let sum = 0;
    let n = 0;
    for (let d = -ALONG; d <= ALONG; d++) {
      if (q + d < 0 || q + d >= alongSpan) continue;
      sum += standOut[k + d * along]!;
      n++;
    }
    lineMean[k] = sum / n;
  }
  // A screen's line has a neighbour line a period away; a thin highlight of the photo has none.
  const onLine = new Uint8Array(w * h);
  const partner = (k: number, p: number) => p >= 0 && p < acrossSpan && lineMean[k]! > ON_LINE / 2;
  for (let k = 0; k < onLine.length; k++) {
    if (standOut[k]! <= ON_LINE / 2 || lineMean[k]! <= ON_LINE) continue;
    const p = acrossPos(k);
    const off = screen.period * local;
    let paired = false;
    for (let d = -1; d <= 1 && !paired; d++)
      paired =
        partner(k - off + d * local, p - screen.period + d) ||
        partner(k + off + d * local, p + screen.period + d);
    if (paired) onLine[k] = 1;
  }
  // Off-line neighbours are looked up in the box; an on-line pixel at its border takes the side inside it.
  let restored = 0;
  for (let k = 0; k < onLine.length; k++) {
    if (!onLine[k]) continue;
    const p = acrossPos(k);
    let before = -1;
    let after = -1;
    for (let d = 1; d <= REACH && before < 0; d++) if (p - d >= 0 && !onLine[k - d * local]) before = d;
    for (let d = 1; d <= REACH && after < 0; d++) if (p + d < acrossSpan && !onLine[k + d * local]) after = d;
    if (before < 0 && after < 0) continue;
    const y = Math.floor(k / w) + box.y0;
    const x = (k % w) + box.x0;
    const j = (y * width + x) * 4;
    const step = 4 * axis.across;
    for (let ch = 0; ch < 3; ch++) {
      const a = before > 0 ? image.data[j - before * step + ch]! : -1;
      const b = after > 0 ? image.data[j + after * step + ch]! : -1;
      const value = a < 0 ? b : b < 0 ? a : (a * after + b * before) / (before + after);
      out[j + ch] = Math.round(value);
    }
    restored++;
  }
  return restored;
}
