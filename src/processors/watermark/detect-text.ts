/**
 * Text candidates from PP-OCRv4's DB detector: the probability map, and the text lines as connected regions
 * of it scored like DBPostProcess (mean probability inside the binarised region), in image coordinates.
 * The detector sees the image scaled down to its longest side limit, never up: upscaling loses faint text.
 */
import sharp from 'sharp';
import type { ModelProvider } from '../../models/model-provider.js';
import { Tensor } from '../../models/model-provider.js';
import { ppOcrV4Det, type TextDetectorModelSpec } from '../../models/ppocr-det.js';
import { type Box, labelMask } from '../connected-components.js';
import type { RawImage } from '../types.js';
import { dilate, erode } from './raster.js';

export interface TextMap {
  /** Probability of text per detector pixel, row-major, `width × height`. */
  readonly prob: Float32Array;
  readonly width: number;
  readonly height: number;
  /** Image pixels per detector pixel, x and y. */
  readonly scaleX: number;
  readonly scaleY: number;
}

/**
 * Longest side the detector sees by default. The model takes up to 960, but 768 finds the same marks on the
 * synthetic set (in-mark gain +5.29 dB at 960, +5.38 at 768) for 0.64× the detector's work.
 */
export const DETECTOR_MAX_SIDE = 768;

/** The detector's input size for an image: longest side ≤ maxSide, each side a multiple of sideMultiple. */
export function detectorSize(
  width: number,
  height: number,
  spec = ppOcrV4Det.input,
  maxSide = Math.min(spec.maxSide, DETECTOR_MAX_SIDE),
): [number, number] {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const round = (n: number) =>
    Math.max(spec.sideMultiple, Math.round((n * scale) / spec.sideMultiple) * spec.sideMultiple);
  return [round(width), round(height)];
}

/** Runs the detector on the whole image and returns its probability map. */
export async function textProbability(
  image: RawImage,
  models: ModelProvider,
  spec: TextDetectorModelSpec = ppOcrV4Det,
  maxSide?: number,
): Promise<TextMap> {
  const [w, h] = detectorSize(image.width, image.height, spec.input, maxSide);
  const rgb = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .removeAlpha()
    .resize(w, h, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
  const plane = w * h;
  const x = new Float32Array(3 * plane);
  const { mean, std } = spec.input;
  // Planes in BGR order: plane 0 is blue, read from RGB offset 2. A byte has 256 values: each plane's are
  // normalised once, into a table, rather than once per pixel.
  const normalised = new Float32Array(256);
  for (let p = 0; p < 3; p++) {
    const src = 2 - p;
    const m = mean[p]!;
    const s = 255 * std[p]!;
    for (let v = 0; v < 256; v++) normalised[v] = (v - 255 * m) / s;
    const off = p * plane;
    for (let i = 0; i < plane; i++) x[off + i] = normalised[rgb[i * 3 + src]!]!;
  }
  const session = await models.session(spec);
  const out = await session.run({ [spec.input.name]: new Tensor('float32', x, [1, 3, h, w]) });
  const prob = out[spec.output.name]?.data as Float32Array | undefined;
  if (!prob || prob.length !== plane) throw new Error(`${spec.name}: unexpected output`);
  return { prob, width: w, height: h, scaleX: image.width / w, scaleY: image.height / h };
}

export interface TextRegion {
  /** Box in image pixels. */
  readonly box: Box;
  /** Region mask over `box` (1 = may hold text), at image resolution. */
  readonly mask: Uint8Array;
  /** Estimated height of the text in image pixels (stroke scale). */
  readonly textHeight: number;
  /** Highest DB box score among its lines. */
  readonly score: number;
}

/**
 * Regions that may hold text: each DB kernel whose box score passes is grown by its unclip distance (as
 * DBPostProcess does) plus `marginPx`; touching grown kernels form one region.
 */
export function textRegions(
  map: TextMap,
  imageWidth: number,
  imageHeight: number,
  threshold: number,
  boxThreshold: number,
  marginPx: number,
  spec = ppOcrV4Det.output,
): TextRegion[] {
  const { width: w, height: h } = map;
  const bin = new Uint8Array(map.prob.length);
  for (let i = 0; i < bin.length; i++) bin[i] = map.prob[i]! > threshold ? 1 : 0;
  const { labels, components } = labelMask(w, h, bin);
  // Each kept kernel grown to its text line; lines that touch join one region unless their text heights differ
  // by more than MAX_JOINED_HEIGHT_RATIO (a large overlay letter over small print is two things to judge).
  const lines: Line[] = [];
  // Line id + 1 per detector pixel, 0 for none.
  const owner = new Int32Array(bin.length);
  const scale = (map.scaleX + map.scaleY) / 2;
  for (let k = 0; k < components.length; k++) {
    const c = components[k]!;
    // The kernel's score (its mean probability, as DBPostProcess scores a box) and its edge pixels, from its box.
    let sum = 0;
    let edge = 0;
    for (let y = c.box.y0; y < c.box.y1; y++)
      for (let x = c.box.x0, i = y * w + x; x < c.box.x1; x++, i++) {
        if (labels[i] !== k + 1) continue;
        sum += map.prob[i]!;
        if (
          x === 0 ||
          x === w - 1 ||
          y === 0 ||
          y === h - 1 ||
          !bin[i - 1] ||
          !bin[i + 1] ||
          !bin[i - w] ||
          !bin[i + w]
        )
          edge++;
      }
    const score = sum / c.area;
    if (c.area < 4 || score < boxThreshold) continue;
    const bw = c.box.x1 - c.box.x0;
    const bh = c.box.y1 - c.box.y0;
    const unclip = (c.area * spec.unclipRatio) / (2 * (bw + bh));
    const thickness = (2 * c.area) / Math.max(1, edge);
    const textHeight = (thickness + 2 * unclip) * scale;
    // Glyphs reach past the kernel grown by the unclip distance (ascenders, serifs): a tenth of the height more.
    const r = Math.ceil(unclip + marginPx / scale + 0.1 * (thickness + 2 * unclip));
    const x0 = Math.max(0, c.box.x0 - r);
    const y0 = Math.max(0, c.box.y0 - r);
    const x1 = Math.min(w, c.box.x1 + r);
    const y1 = Math.min(h, c.box.y1 + r);
    const cw = x1 - x0;
    const ch = y1 - y0;
    const own = new Uint8Array(cw * ch);
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) if (labels[y * w + x] === k + 1) own[(y - y0) * cw + (x - x0)] = 1;
    const mask = dilate(own, cw, ch, r);
    const id = lines.length;
    lines.push({ box: { x0, y0, x1, y1 }, mask, textHeight, score, group: id });
    // Touching (8-connected) lines join, as the connected components of all grown lines would: another line
    // next to this one lies on it or beside its rim, so only the rim's pixels look at their neighbours.
    const inner = erode(mask, cw, ch, 1);
    for (let y = 0; y < ch; y++)
      for (let x = 0; x < cw; x++) {
        if (!mask[y * cw + x]) continue;
        const i = (y + y0) * w + x + x0;
        if (inner[y * cw + x]) {
          // Inside the line only the pixel itself can be another line's.
          const other = owner[i]! - 1;
          if (other >= 0 && other !== id && compatible(lines[other]!.textHeight, textHeight))
            join(lines, other, id);
        } else joinNeighbours(lines, owner, w, h, x + x0, y + y0, id, textHeight);
        if (owner[i] === 0 || compatible(lines[owner[i]! - 1]!.textHeight, textHeight)) owner[i] = id + 1;
      }
  }
  const groups = new Map<number, Line[]>();
  for (const line of lines) {
    const g = root(lines, line.group);
    const members = groups.get(g);
    if (members) members.push(line);
    else groups.set(g, [line]);
  }
  return [...groups.values()].map((members) => {
    const box = {
      x0: Math.min(...members.map((m) => m.box.x0)),
      y0: Math.min(...members.map((m) => m.box.y0)),
      x1: Math.max(...members.map((m) => m.box.x1)),
      y1: Math.max(...members.map((m) => m.box.y1)),
    };
    const gw = box.x1 - box.x0;
    const inGroup = new Uint8Array(gw * (box.y1 - box.y0));
    for (const m of members) {
      const mw = m.box.x1 - m.box.x0;
      for (let y = m.box.y0; y < m.box.y1; y++)
        for (let x = m.box.x0; x < m.box.x1; x++)
          if (m.mask[(y - m.box.y0) * mw + x - m.box.x0]) inGroup[(y - box.y0) * gw + x - box.x0] = 1;
    }
    const x0 = Math.floor(box.x0 * map.scaleX);
    const y0 = Math.floor(box.y0 * map.scaleY);
    const x1 = Math.min(imageWidth, Math.ceil(box.x1 * map.scaleX));
    const y1 = Math.min(imageHeight, Math.ceil(box.y1 * map.scaleY));
    const bw = x1 - x0;
    const mask = new Uint8Array(bw * (y1 - y0));
    // Detector column of each image column, once for all rows.
    const column = new Int32Array(bw);
    for (let x = x0; x < x1; x++) column[x - x0] = Math.min(box.x1 - 1, Math.floor(x / map.scaleX)) - box.x0;
    for (let y = y0; y < y1; y++) {
      const sy = Math.min(box.y1 - 1, Math.floor(y / map.scaleY));
      const from = (sy - box.y0) * gw;
      const to = (y - y0) * bw;
      for (let x = 0; x < bw; x++) if (inGroup[from + column[x]!]) mask[to + x] = 1;
    }
    const textHeight = Math.max(...members.map((m) => m.textHeight));
    const score = Math.max(...members.map((m) => m.score));
    return { box: { x0, y0, x1, y1 }, mask, textHeight, score };
  });
}

/**
 * Text heights of lines that may join one region: a line of text and its neighbours are of one size, while
 * a large overlay letter crossing small print is not (the print's blend would swamp the overlay's fit).
 */
const MAX_JOINED_HEIGHT_RATIO = 2;

interface Line {
  readonly box: Box;
  /** Grown kernel over `box`, detector pixels. */
  readonly mask: Uint8Array;
  readonly textHeight: number;
  readonly score: number;
  /** Union-find parent. */
  group: number;
}

/** Joins line `id` with every compatible line that owns a pixel of the 3×3 around (gx, gy). */
function joinNeighbours(
  lines: Line[],
  owner: Int32Array,
  w: number,
  h: number,
  gx: number,
  gy: number,
  id: number,
  textHeight: number,
): void {
  for (let ny = Math.max(0, gy - 1); ny <= Math.min(h - 1, gy + 1); ny++)
    for (let nx = Math.max(0, gx - 1); nx <= Math.min(w - 1, gx + 1); nx++) {
      const other = owner[ny * w + nx]! - 1;
      if (other >= 0 && other !== id && compatible(lines[other]!.textHeight, textHeight))
        join(lines, other, id);
    }
}

const compatible = (a: number, b: number) => Math.max(a, b) <= MAX_JOINED_HEIGHT_RATIO * Math.min(a, b);

function root(lines: Line[], i: number): number {
  let r = i;
  while (lines[r]!.group !== r) r = lines[r]!.group;
  lines[i]!.group = r;
  return r;
}

function join(lines: Line[], a: number, b: number): void {
  const ra = root(lines, a);
  const rb = root(lines, b);
  if (ra !== rb) lines[Math.max(ra, rb)]!.group = Math.min(ra, rb);
}
