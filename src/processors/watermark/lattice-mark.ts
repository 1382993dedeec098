/**
 * A mark tiled across the whole image on an exact lattice (`tile-lattice.ts`), measured from all its copies
 * at once and un-blended everywhere, whether or not any copy lies on plain ground.
 *
 * Pixels that lie at the same point of the mark, a lattice step apart, lie over different parts of the photo.
 * - Strokes: every pixel is folded onto one cell of the lattice (to the nearest whole pixel, at half
 *   resolution); per cell position, the median of the detail over its pixels is the mark's own detail (the
 *   photo's cancels out): where it stands out, the mark has strokes. At half resolution the detail's window is
 *   twice as wide and sees the insides of bold strokes; the edges get their full resolution from the rim
 *   around the strokes, where the opacity is measured at every pixel.
 * - Opacity: with the photo under the strokes filled from around them (`fillUnder`), each copy says
 *   `marked − under = a·(ink − under)`; per point of one cell, on a half-pixel grid, the median over its
 *   copies, each read between pixels (`lattice-copies.ts`: the steps are fractional), weighted by how far
 *   the ink is from what lies under it, is the mark's opacity a there; each marked pixel reads it at its own
 *   point of the cell. A white mark over a white backdrop weighs nothing.
 * The ink is white, grey or black, whichever the copies' detail agrees with (`strokeCells`, on the fold at
 * half resolution: a quarter of the work): the opacity and the ink of a faint mark trade off against each
 * other, and fitting the ink freely came out worse on the synthetic seeds than taking the nearest of the three.
 * This is Dekel et al.'s (CVPR 2017) multi-image estimate, with the copies within one image as the images.
 */
import type { RawImage } from '../types.js';
import { cropPlanes, type Region } from './analyse-region.js';
import type { TextMap } from './detect-text.js';
import { fillUnder, type Planes } from './estimate-alpha.js';
import { type CellPlace, LatticeCell } from './lattice-cell.js';
import { LatticeCopies, MIN_CONTRAST, opacitySaid, type Reading, said } from './lattice-copies.js';
import { highPass, localMean, luminance } from './lattice-signal.js';
import { nthSmallest } from './nth-smallest.js';
import { dilate, upscaleMask } from './raster.js';
import { cellArea, type Lattice, type Step, textRecurs, tileLattice } from './tile-lattice.js';
import { Samples } from './weighted-samples.js';

export interface LatticeMark {
  readonly lattice: Lattice;
  /** The mark's neutral ink, 0–255. */
  readonly ink: number;
  /** Its opacity at the strokes (the 99th percentile over the strokes and their rim). */
  readonly opacity: number;
  /** Copies over the image (image area / cell area). */
  readonly copies: number;
  /** Image pixels the mark's blend was inverted on. */
  readonly pixels: number;
  /**
   * The opacity over those pixels, weighted by contrast and summed, as measured on the input and on the
   * output with the same ink and ground: after / before is how much of the mark is left.
   */
  readonly opacityLeft: OpacityLeft;
  readonly restored: RawImage;
}

/** A mark's opacity, summed over its pixels, as measured on the input and on the output. */
export interface OpacityLeft {
  readonly before: number;
  readonly after: number;
}

/** Shortest step of the lattice, in the text's heights (the median of the lines read). */
const MIN_STEP_HEIGHTS = 2;
/** Copies the medians need: with fewer, a copy over busy texture outvotes the rest. */
const MIN_COPIES = 8;
/** More copies than this are no mark's: the text would be tiny, and it is the product's fine pattern. */
const MAX_COPIES = 150;
/** Neutral inks tried for the strokes: white, grey and black marks (see `strokeCells`). */
const INKS = [255, 128, 0] as const;
/** How much better grey must agree than white or black to be taken. */
const GREY_MARGIN = 1.2;
/** A cell position is a stroke where its median opacity detail exceeds this many MADs (and 0.02). */
const STROKE_MADS = 4;
const MIN_STROKE_DETAIL = 0.02;
/** Stroke pixels (itself included) a stroke pixel's 3 × 3 neighbourhood must hold. */
const MIN_STROKE_NEIGHBOURS = 3;
/** Pixels around the strokes whose opacity is measured too (the anti-aliased rim). */
const RIM_PX = 3;
/**
 * How far around the strokes the mark's sign is weighed (`brightens`): past the insides of letters up to
 * about 20 px across, whose outline is all the wrong ink's fold finds.
 */
const SIGN_REACH = RIM_PX + 6;
/** Window of the fill under the strokes (fillUnder's radius). */
const FILL_RADIUS = 3;
/** Opacity below this is noise of the median, left alone. */
const MIN_ALPHA = 0.02;
/** Opacity above which a pixel is not un-blended (1/(1 − a) would amplify the noise over ×4). */
const MAX_ALPHA = 0.75;
/** Opacities a tiled mark plausibly has at its strokes. */
const OPACITY_RANGE: readonly [number, number] = [0.1, 0.6];

/**
 * The tiled mark in `image`, measured and un-blended, or null when the image does not repeat on a lattice,
 * when the text read (`map`, `lines`: the text regions) does not recur on it, or when what repeats is no
 * plausible mark.
 */
export function latticeMark(image: RawImage, map: TextMap, lines: readonly Region[]): LatticeMark | null {
  const { width: W, height: H } = image;
  const centres = lines.map((l): Step => [(l.box.x0 + l.box.x1) / 2, (l.box.y0 + l.box.y1) / 2]);
  const heights = lines.map((l) => l.textHeight).sort((a, b) => a - b);
  const plausible = (v1: Step, v2: Step) => {
    const copies = (W * H) / cellArea(v1, v2);
    // Copies of a line of text lie more than its height apart (closer, it is the product's repeated glyphs).
    const shortest = Math.min(Math.hypot(...v1), Math.hypot(...v2));
    return (
      copies >= MIN_COPIES &&
      copies <= MAX_COPIES &&
      shortest >= MIN_STEP_HEIGHTS * heights[heights.length >> 1]! &&
      textRecurs(map, centres, { v1, v2 }, W, H)
    );
  };
  // Full resolution only once the lattice found at low resolution is plausible: most images stop before.
  let full: { lum: Float32Array; mean: Float32Array } | null = null;
  const fullRes = () => {
    if (!full) {
      const lum = luminance(image, 1);
      full = { lum, mean: localMean(lum, W, H) };
    }
    return full;
  };
  const lattice = tileLattice(image, (pivot) => highPass(fullRes().lum, fullRes().mean, pivot), plausible);
  // Refined, the steps must still pass.
  if (!lattice || !plausible(lattice.v1, lattice.v2)) return null;
  const m = cropPlanes(image, { x0: 0, y0: 0, x1: W, y1: H });
  // Strokes and ink from the fold at half resolution (see the top of this file); the ink is folded again when
  // `brightens` turns it.
  const half = halfResolution(image);
  const halfFold = (l: Lattice) => foldOnto(halved(l), half.w, half.h);
  const strokesAtHalf = (cells: Folded, ink?: number) =>
    strokesOn(cells, half.detail, half.mean, half.w, half.h, ink);
  const atFullScale = (s: Strokes) => upscaleMask(s.near, half.w, half.h, W, H);
  const fineCells = halfFold(lattice);
  let strokes = strokesAtHalf(fineCells);
  if (!strokes) return null;
  let near = atFullScale(strokes);
  const ink = strokes.ink === 128 ? 128 : brightens(near, m, W, H) ? 255 : 0;
  // Folded in the other extreme ink, the strokes were the halo around the letters: folded again in this one,
  // they are the letters.
  if (ink !== strokes.ink) {
    strokes = strokesAtHalf(fineCells, ink);
    if (!strokes) return null;
    near = atFullScale(strokes);
  }
  // The pixels the opacity is measured at: the strokes at full scale and their rim.
  let marked = dilate(near, W, H, RIM_PX);
  // Rows that may be staggered by an odd half step: the lattice whose copies agree better on the strokes, at
  // full resolution (at half, the half step is lost in the fold's rounding). The coarse one holds the same
  // copies as the fine one, in two groups: it is not tested again.
  let taken: Lattice = lattice;
  if (lattice.coarser) {
    const coarse: Lattice = { v1: lattice.coarser.v1, v2: lattice.coarser.v2, score: lattice.score };
    const { lum, mean } = fullRes();
    const detail = detailOf(lum, mean);
    const agreement = (l: Lattice) => agreementAt(foldOnto(l, W, H), detail, mean, ink, marked);
    if (agreement(coarse) > agreement(lattice)) {
      taken = coarse;
      strokes = strokesAtHalf(halfFold(coarse), ink);
      if (!strokes) return null;
      marked = dilate(atFullScale(strokes), W, H, RIM_PX);
    }
  }
  const under = fillUnder(m, marked, W, H, FILL_RADIUS);
  const alpha = new LatticeCopies(taken, W, H).opacities(marked, opacitySaid(m, under, ink, W));
  const opacity = percentile(alpha, marked, 0.99);
  if (opacity < OPACITY_RANGE[0] || opacity > OPACITY_RANGE[1]) return null;
  const data = Buffer.from(image.data);
  let pixels = 0;
  for (let i = 0; i < W * H; i++) {
    if (!marked[i]) continue;
    const a = Math.min(MAX_ALPHA, alpha[i]!);
    if (a < MIN_ALPHA) continue;
    pixels++;
    for (let k = 0; k < 3; k++) {
      const v = (m[k]![i]! - a * ink) / (1 - a);
      data[4 * i + k] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }
  }
  const restored = { ...image, data };
  // What the blend still says on the output, over the pixels it was inverted on: the residual. The fill under
  // the strokes is the input's (only marked pixels changed).
  const out = cropPlanes(restored, { x0: 0, y0: 0, x1: W, y1: H });
  const opacityLeft = { before: 0, after: 0 };
  const read: Reading = { value: 0, weight: 0 };
  for (let i = 0; i < W * H; i++) {
    if (!marked[i] || alpha[i]! < MIN_ALPHA || !said(out, under, ink, i, read)) continue;
    opacityLeft.before += read.weight * alpha[i]!;
    opacityLeft.after += read.weight * read.value;
  }
  return {
    lattice: taken,
    ink,
    opacity,
    copies: (W * H) / cellArea(taken.v1, taken.v2),
    pixels,
    opacityLeft,
    restored,
  };
}

/** The mark's strokes on a lattice and the ink their detail fits (`strokeCells`). */
interface Strokes {
  /** The strokes' pixels, without their rim. */
  readonly near: Uint8Array;
  readonly ink: number;
}

/**
 * Where the mark has strokes, in the image folded onto one cell (`cells`, from `foldOnto`; `strokeCells`, in
 * `ink` if given); null when the fold finds none. `detail` and `mean` are the luminance's.
 */
function strokesOn(
  cells: Folded,
  detail: Float32Array,
  mean: Float32Array,
  W: number,
  H: number,
  ink?: number,
): Strokes | null {
  const strokes = strokeCells(new FoldedCopies(cells, detail, mean), ink);
  if (!strokes) return null;
  const near = new Uint8Array(W * H);
  for (let i = 0; i < W * H; i++) near[i] = strokes.cell[cells.of[i]!]!;
  // A lone stroke position is the median's noise; grown by the rim, enough of them would leave no free
  // pixels to fill the ground under the real strokes from. Counted at stroke pixels only, a few per cent.
  const lone: number[] = [];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      if (!near[y * W + x]) continue;
      let n = 0;
      for (let v = Math.max(0, y - 1); v <= Math.min(H - 1, y + 1); v++)
        for (let u = Math.max(0, x - 1); u <= Math.min(W - 1, x + 1); u++) n += near[v * W + u]!;
      if (n < MIN_STROKE_NEIGHBOURS) lone.push(y * W + x);
    }
  for (const i of lone) near[i] = 0;
  return { near, ink: strokes.ink };
}

/** Every pixel's position in one cell of the lattice, and the pixels of each cell position in order. */
interface Folded {
  /** Cell position of each image pixel (an index into the cell's bounding box). */
  readonly of: Int32Array;
  /** Cell positions (the bounding box of the cell: more than `area`, some never used), and its width. */
  readonly count: number;
  readonly width: number;
  /** Image pixels sorted by cell position, and where each position's run starts (count + 1 entries). */
  readonly order: Int32Array;
  readonly start: Int32Array;
}

function foldOnto(lattice: Lattice, W: number, H: number): Folded {
  const cell = new LatticeCell(lattice);
  const bounds = cell.bounds();
  // The steps are fractional (copies between pixels): a pixel folds to the nearest whole position.
  const x0 = Math.floor(bounds.x0);
  const y0 = Math.floor(bounds.y0);
  const boxWidth = Math.ceil(bounds.x1) - x0 + 2;
  const boxHeight = Math.ceil(bounds.y1) - y0 + 2;
  const count = boxWidth * boxHeight;
  const of = new Int32Array(W * H);
  const start = new Int32Array(count + 1);
  const at: CellPlace = { i: 0, j: 0, dx: 0, dy: 0 };
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      cell.place(x, y, at);
      const c = (Math.round(at.dy) - y0) * boxWidth + Math.round(at.dx) - x0;
      of[y * W + x] = c;
      start[c + 1]!++;
    }
  for (let c = 0; c < count; c++) start[c + 1]! += start[c]!;
  const order = new Int32Array(W * H);
  const next = start.slice(0, count);
  for (let i = 0; i < W * H; i++) order[next[of[i]!]!++] = i;
  return { of, count, width: boxWidth, order, start };
}

/**
 * What the copies at each position of a fold say of the detail of the mark's opacity in an ink: each pixel's
 * detail divided by how far the ink is from the local mean there, weighted by that contrast (see
 * `strokeCells`).
 */
class FoldedCopies {
  readonly samples: Samples;

  constructor(
    readonly cells: Folded,
    private readonly detail: Float32Array,
    private readonly mean: Float32Array,
  ) {
    this.samples = new Samples(longestRun(cells));
  }

  /** Into `samples` (cleared first), what the copies at position `c` say in `ink`. */
  read(c: number, ink: number): void {
    const { cells, detail, mean, samples } = this;
    samples.clear();
    for (let k = cells.start[c]!; k < cells.start[c + 1]!; k++) {
      const i = cells.order[k]!;
      const contrast = ink - mean[i]!;
      if (Math.abs(contrast) >= MIN_CONTRAST) samples.push(detail[i]! / contrast, Math.abs(contrast));
    }
  }

  /**
   * How often each half of the copies read agrees with the other half's median, in signs (a few copies over
   * the product's edges would sway magnitudes): the photo's detail agrees as often as not, the mark's always.
   */
  agreement(): number {
    const { samples } = this;
    let sum = 0;
    if (samples.n < 4) return 0;
    for (let half = 0; half < 2; half++) {
      const a = samples.weightedMedian(1 - half, 2);
      if (Math.abs(a) < MIN_STROKE_DETAIL) continue;
      for (let j = half; j < samples.n; j += 2) sum += Math.sign(a) * Math.sign(samples.value[j]!);
    }
    return sum;
  }
}

/**
 * Cell positions where the mark has strokes, and the neutral ink its detail fits best. Each pixel's detail is
 * divided by how far the ink is from the local mean there, which is the detail of the mark's opacity `a` if
 * the ink is right: a grey mark is brighter than a black bag and darker than a white backdrop, so its raw
 * detail changes sign across the image, but this does not. The median over the copies (weighted by that
 * contrast) cancels the photo's detail. The ink taken is the one whose copies agree most (`agreement`): with a
 * wrong ink the contrast has the wrong sign over some grounds. With `forcedInk`, that ink is taken.
 */
function strokeCells(copies: FoldedCopies, forcedInk?: number): { cell: Uint8Array; ink: number } | null {
  const { cells, samples } = copies;
  // The ink, from every other position across and down (a quarter of the medians; the strokes are wider than
  // a pixel): the inks' agreements differ by far more than that sample's error.
  const bestInk = () => {
    let best: number = INKS[0];
    let most = Number.NEGATIVE_INFINITY;
    for (const tried of INKS) {
      let strength = 0;
      for (let c = 0; c < cells.count; c++) {
        if ((c % cells.width) % 2 === 1 || Math.floor(c / cells.width) % 2 === 1) continue;
        copies.read(c, tried);
        strength += copies.agreement();
      }
      // Over grounds all darker (or all lighter) than both, grey and white (black) agree in sign: the extreme
      // inks, which marks mostly are, are taken unless grey fits clearly better.
      if (tried === 128) strength /= GREY_MARGIN;
      if (strength > most) {
        best = tried;
        most = strength;
      }
    }
    return best;
  };
  const ink = forcedInk ?? bestInk();
  const median = new Float32Array(cells.count).fill(Number.NaN);
  for (let c = 0; c < cells.count; c++) {
    copies.read(c, ink);
    // NaN where too few copies show the mark (and at the cell box's unused corners).
    if (samples.n >= 3) median[c] = samples.weightedMedian(0, 1);
  }
  const magnitudes = Float32Array.from(
    median.filter((v) => !Number.isNaN(v)),
    Math.abs,
  );
  if (magnitudes.length === 0) return null;
  const level = Math.max(STROKE_MADS * nthSmallest(magnitudes, magnitudes.length >> 1), MIN_STROKE_DETAIL);
  const cell = new Uint8Array(cells.count);
  let strokes = 0;
  for (let c = 0; c < cells.count; c++)
    if (median[c]! > level) {
      cell[c] = 1;
      strokes++;
    }
  return strokes > 0 ? { cell, ink } : null;
}

/**
 * How well the copies agree (`FoldedCopies.agreement`) in `ink`, summed over the cell positions of the pixels
 * `at`: the strokes and their rim, where a lattice off by the odd half step blurs the edges. Over the strokes
 * alone the choice was worse than over every position (seed 11's sweep lost 3 dB); with the rim it is the same.
 */
function agreementAt(
  cells: Folded,
  detail: Float32Array,
  mean: Float32Array,
  ink: number,
  at: Uint8Array,
): number {
  const copies = new FoldedCopies(cells, detail, mean);
  const positions = new Uint8Array(cells.count);
  for (let i = 0; i < at.length; i++) if (at[i]) positions[cells.of[i]!] = 1;
  let sum = 0;
  for (let c = 0; c < cells.count; c++) {
    if (!positions[c]) continue;
    copies.read(c, ink);
    sum += copies.agreement();
  }
  return sum;
}

/**
 * Whether the mark brightens what lies under its strokes (`near`). A white and a black mark whose copies all
 * lie on one side of both inks fold to the same detail with opposite signs: for the wrong one, the strokes
 * found are the halo the local mean leaves around the letters, their outline. So the pixels within
 * SIGN_REACH of the strokes, the letters whole, are weighed against the photo filled in from beyond them:
 * within the rim alone, the letters' insides darkened the fill and a black mark over a pale sweep passed for
 * white.
 */
function brightens(near: Uint8Array, m: Planes, W: number, H: number): boolean {
  const around = dilate(near, W, H, SIGN_REACH);
  const under = fillUnder(m, around, W, H, FILL_RADIUS);
  let change = 0;
  for (let i = 0; i < around.length; i++)
    if (around[i]) change += m[0][i]! + m[1][i]! + m[2][i]! - under[0][i]! - under[1][i]! - under[2][i]!;
  return change > 0;
}

/** The luminance at half resolution (`w` × `h`), its local mean and its detail. */
function halfResolution(image: RawImage) {
  const w = Math.floor(image.width / 2);
  const h = Math.floor(image.height / 2);
  const lum = luminance(image, 2);
  const mean = localMean(lum, w, h);
  return { w, h, mean, detail: detailOf(lum, mean) };
}

/** The lattice at half resolution. */
function halved(lattice: Lattice): Lattice {
  return {
    v1: [lattice.v1[0] / 2, lattice.v1[1] / 2],
    v2: [lattice.v2[0] / 2, lattice.v2[1] / 2],
    score: lattice.score,
  };
}

/**
 * The luminance's detail against its local mean, unclipped: the fold's medians shrug off the photo's edges, and
 * a clipped stroke would read fainter.
 */
function detailOf(lum: Float32Array, mean: Float32Array): Float32Array {
  return lum.map((v, i) => v - mean[i]!);
}

/** Most pixels one cell position holds (its copies). */
function longestRun(cells: Folded): number {
  let most = 0;
  for (let c = 0; c < cells.count; c++) most = Math.max(most, cells.start[c + 1]! - cells.start[c]!);
  return most;
}

function percentile(values: Float32Array, where: Uint8Array, p: number): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (where[i]) n++;
  if (n === 0) return 0;
  const picked = new Float32Array(n);
  n = 0;
  for (let i = 0; i < values.length; i++) if (where[i]) picked[n++] = values[i]!;
  return nthSmallest(picked, Math.min(n - 1, Math.floor(p * n)));
}
