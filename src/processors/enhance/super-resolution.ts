/**
 * Learned upscaling with Real-ESRGAN general-x4v3, used where it helps and tempered where it does not.
 *
 * Measured on the Magento studio shots (`npm run eval:sr`), the plain model — ×4, then down to ×2 — is
 * *worse* than Lanczos by 0.5–1.4 dB PSNR: it is a GAN-trained model that removes JPEG blocks and sharpens
 * edges well but repaints fine texture with texture of its own. Three things turn that around:
 *
 * 1. **Blend with Lanczos** (`MODEL_WEIGHT`): the model's errors (invented texture) and Lanczos' errors
 *    (blur, JPEG blocks) are nearly uncorrelated, so their mean beats both; on our set a per-8×8-block oracle
 *    choosing the better one gains only 0.05 dB more than the plain mean.
 * 2. **Back-projection** (Irani & Peleg): the result, brought back down to the input size with the
 *    area filter, should reproduce the input; one step adds the upsampled residual. It undoes the model's
 *    tone and colour drift.
 * 3. **Area downscale from ×4**: the exact mean of the ×4 pixels each output pixel covers; Lanczos here
 *    re-sharpens the model's invented texture and costs ~0.6 dB.
 *
 * Blending and back-projecting against the JPEG input would put its 8×8 blocks back, so both use a copy
 * deblocked on the detected JPEG grid (`deblock.ts`); the model reads the untouched input.
 *
 * Speed and memory: the image is processed in tiles of `TILE_PX` with `PADDING_PX` of context (12 px keeps
 * seams below one 8-bit level), and every step after the model is local (area, Lanczos and the one
 * back-projection step each reach ≤ 3 input pixels), so each tile is finished on its own with `MARGIN_PX` of
 * overlap and the ×4 image never exists. The model only runs where the input has detail: pixels with a
 * neighbour more than `DETAIL_LEVEL` levels away, dilated by `DETAIL_GROW_PX`; on flat or gently shaded areas
 * (a studio background) the model and Lanczos agree, so those pixels are Lanczos only.
 */
import type { InferenceSession } from '../../models/model-provider.js';
import type { SuperResolutionModelSpec } from '../../models/realesrgan.js';
import type { RawImage } from '../types.js';
import { deblock, findJpegGrid } from './deblock.js';
import { inferRect, type PlanarImage, type Rect, tileGrid } from './model-tiles.js';
import { type AxisMapping, type Planes, resampleWindow } from './resample.js';

/** Input pixels per tile side: big enough that the padding costs ~20 %, small enough for ~200 MB peak. */
export const TILE_PX = 256;
/** Context read around each tile; see the module comment. */
export const PADDING_PX = 12;
/** Overlap kept around a model window for the area, Lanczos and back-projection steps. */
const MARGIN_PX = 3;
/**
 * A neighbour difference (8-bit levels) above this marks detail the model is run for. On the Magento shots
 * (×2, `eval:sr`) 24 with `DETAIL_GROW_PX` 4 runs the model on 49 % of the pixels instead of 55 % (6 and
 * the 12 px padding) at the same PSNR: below 24 levels Lanczos and the blended model agree.
 */
export const DETAIL_LEVEL = 24;
/** Model output is kept this far (input px) around detail; beyond, Lanczos. */
export const DETAIL_GROW_PX = 4;
/** Share of the model in the blend with Lanczos (see the module comment). */
export const MODEL_WEIGHT = 0.5;

export interface SuperResolutionModel {
  readonly session: InferenceSession;
  readonly spec: SuperResolutionModelSpec;
}

/** How the model's output is used; the defaults are what `enhance` runs, the rest is for `bench/eval-sr.ts`. */
export interface SuperResolutionOptions {
  /** Share of the model in the blend with Lanczos, 0..1 (default `MODEL_WEIGHT`). */
  readonly modelWeight?: number;
  /** Apply the back-projection step (default true). */
  readonly backProjection?: boolean;
  /** Run the model only where there is detail (default true); false runs it on every pixel. */
  readonly skipFlat?: boolean;
  /** Tile side in input pixels (default `TILE_PX`); tests use small tiles to check the seams. */
  readonly tilePx?: number;
  readonly signal?: AbortSignal;
}

export interface SuperResolutionStats {
  /** The JPEG grid found in the input and deblocked, per axis (phase 0–7), or null. */
  readonly jpegGrid: { readonly x: number | null; readonly y: number | null } | null;
  /** Share of input pixels the model ran on (its windows, context excluded). */
  readonly modelCoverage: number;
  readonly tiles: number;
  readonly modelWindows: number;
}

/** 8-bit RGBA → planar float, channel order kept, values / 255. */
function planesOf(image: RawImage, channels: 3 | 4): Planes {
  const n = image.width * image.height;
  const data = new Float32Array(channels * n);
  const d = image.data;
  for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) data[c * n + i] = d[i * 4 + c]! / 255;
  return { data, width: image.width, height: image.height, channels };
}

/** True where a pixel has a neighbour (right or below) more than `DETAIL_LEVEL` away in any channel. */
function detailMask(image: RawImage): Uint8Array {
  const { width: w, height: h, data: d } = image;
  const mask = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      for (let c = 0; c < 3; c++) {
        const v = d[i + c]!;
        if (
          (x + 1 < w && Math.abs(v - d[i + 4 + c]!) > DETAIL_LEVEL) ||
          (y + 1 < h && Math.abs(v - d[i + 4 * w + c]!) > DETAIL_LEVEL)
        ) {
          mask[y * w + x] = 1;
          if (x + 1 < w) mask[y * w + x + 1] = 1;
          if (y + 1 < h) mask[(y + 1) * w + x] = 1;
          break;
        }
      }
    }
  }
  return mask;
}

/** The bounding box of mask pixels within `rect` grown by `grow` (clipped to `rect`), or null. */
function detailBox(mask: Uint8Array, width: number, height: number, rect: Rect, grow: number): Rect | null {
  const x0 = Math.max(0, rect.x - grow);
  const y0 = Math.max(0, rect.y - grow);
  const x1 = Math.min(width, rect.x + rect.width + grow);
  const y1 = Math.min(height, rect.y + rect.height + grow);
  let bx0 = Infinity;
  let by0 = Infinity;
  let bx1 = -Infinity;
  let by1 = -Infinity;
  for (let y = y0; y < y1; y++) {
    const row = y * width;
    for (let x = x0; x < x1; x++) {
      if (mask[row + x]) {
        if (x < bx0) bx0 = x;
        if (x > bx1) bx1 = x;
        if (y < by0) by0 = y;
        if (y > by1) by1 = y;
      }
    }
  }
  if (bx1 < 0) return null;
  const left = Math.max(rect.x, bx0 - grow);
  const top = Math.max(rect.y, by0 - grow);
  const right = Math.min(rect.x + rect.width, bx1 + 1 + grow);
  const bottom = Math.min(rect.y + rect.height, by1 + 1 + grow);
  return { x: left, y: top, width: right - left, height: bottom - top };
}

const union = (a: Rect, b: Rect): Rect => {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
};

/** The first three channels of a window of `p`. */
function crop(p: Planes, x: number, y: number, width: number, height: number): Planes {
  const data = new Float32Array(3 * width * height);
  for (let c = 0; c < 3; c++) {
    for (let j = 0; j < height; j++) {
      const src = (c * p.height + y + j) * p.width + x;
      data.set(p.data.subarray(src, src + width), (c * height + j) * width);
    }
  }
  return { data, width, height, channels: 3 };
}

/** The output pixels (one axis) whose centres fall in input span [a, b): [round(a·r), round(b·r)). */
const outSpan = (a: number, b: number, r: number): [number, number] => [Math.round(a * r), Math.round(b * r)];

/** The planes of `src` (window origin `sx`, `sy` in input px) resampled to output window [tx0,tx1)×[ty0,ty1). */
function toOutput(
  src: Planes,
  srcScale: number,
  sx: number,
  sy: number,
  rx: number,
  ry: number,
  t: { x0: number; x1: number; y0: number; y1: number },
  kernel: 'area' | 'lanczos3',
): Planes {
  // Output pixel t's centre, in input px, is (t + 0.5) / r; in the source array, times srcScale minus origin.
  const mx: AxisMapping = { scale: srcScale / rx, offset: (t.x0 / rx - sx) * srcScale };
  const my: AxisMapping = { scale: srcScale / ry, offset: (t.y0 / ry - sy) * srcScale };
  return resampleWindow(src, t.x1 - t.x0, t.y1 - t.y0, kernel, mx, my);
}

/**
 * Writes planes (3 or 4 channels, 0..1) into the RGBA output at (ox, oy), only the part inside `clip`.
 * Three channels leave the alpha already written in place when `keepAlpha`, else make it opaque.
 */
function writeRgba(
  out: Buffer,
  outWidth: number,
  planes: Planes,
  ox: number,
  oy: number,
  clip: { x0: number; x1: number; y0: number; y1: number },
  keepAlpha: boolean,
): void {
  const { width: w, height: h, data } = planes;
  const n = w * h;
  for (let y = Math.max(oy, clip.y0); y < Math.min(oy + h, clip.y1); y++) {
    for (let x = Math.max(ox, clip.x0); x < Math.min(ox + w, clip.x1); x++) {
      const i = (y - oy) * w + (x - ox);
      const o = (y * outWidth + x) * 4;
      for (let c = 0; c < 3; c++) out[o + c] = clamp8(data[c * n + i]!);
      if (planes.channels === 4) out[o + 3] = clamp8(data[3 * n + i]!);
      else if (!keepAlpha) out[o + 3] = 255;
    }
  }
}

const clamp8 = (v: number) => (v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255));

/**
 * Upscales `image` to exactly width×height (at most ×4 per side). Without a model, Lanczos 3 alone.
 * Alpha, if any, is always resampled with Lanczos.
 */
export async function superResolve(
  image: RawImage,
  width: number,
  height: number,
  model: SuperResolutionModel | null,
  options: SuperResolutionOptions = {},
): Promise<{ image: RawImage; stats: SuperResolutionStats }> {
  const {
    modelWeight = MODEL_WEIGHT,
    backProjection = true,
    skipFlat = true,
    tilePx = TILE_PX,
    signal,
  } = options;
  const rx = width / image.width;
  const ry = height / image.height;
  let transparent = false;
  for (let i = 3; i < image.data.length; i += 4) {
    if (image.data[i] !== 255) {
      transparent = true;
      break;
    }
  }
  const input = planesOf(image, transparent ? 4 : 3);
  const firstThree = (p: Planes): Planes =>
    p.channels === 3
      ? p
      : { data: p.data.subarray(0, 3 * p.width * p.height), width: p.width, height: p.height, channels: 3 };
  // What the model reads, and what its output is blended with and checked against.
  const rgb = firstThree(input);
  const grid = model ? findJpegGrid(rgb) : null;
  const lr = grid ? deblock(input, grid) : input;
  const ref = firstThree(lr);
  const out = Buffer.alloc(width * height * 4);
  const mask = model
    ? skipFlat
      ? detailMask(image)
      : new Uint8Array(image.width * image.height).fill(1)
    : null;
  const grow = DETAIL_GROW_PX;
  let modelPixels = 0;
  let modelWindows = 0;
  const tiles = tileGrid(image.width, image.height, tilePx);

  // Each tile's model window: its detail plus a margin for the steps after the model (clipped to the image).
  const plans = tiles.map((tile) => {
    const box = mask && model ? detailBox(mask, image.width, image.height, tile, grow) : null;
    const ext: Rect | null = box && {
      x: Math.max(0, box.x - MARGIN_PX),
      y: Math.max(0, box.y - MARGIN_PX),
      width: Math.min(image.width, box.x + box.width + MARGIN_PX) - Math.max(0, box.x - MARGIN_PX),
      height: Math.min(image.height, box.y + box.height + MARGIN_PX) - Math.max(0, box.y - MARGIN_PX),
    };
    return { tile, box, ext };
  });
  // The next window's inference is started before this one is finished: the model runs on the inference
  // thread while this thread blends and back-projects the window before it. At most two windows' outputs
  // are alive at once.
  const started = new Map<number, Promise<PlanarImage>>();
  const start = (k: number) => {
    const ext = plans[k]?.ext;
    if (!ext || !model || started.has(k)) return;
    const p = inferRect(model.session, model.spec, rgb, ext, PADDING_PX);
    p.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
    started.set(k, p);
  };
  const nextWindow = (after: number) => plans.findIndex((p, k) => k > after && p.ext);
  start(nextWindow(-1));
  for (let i = 0; i < plans.length; i++) {
    const { tile, box, ext } = plans[i]!;
    if (signal?.aborted) {
      await Promise.allSettled(started.values());
      signal.throwIfAborted();
    }
    // 1. Lanczos (and alpha) over the tile and the model window, once; the tile's own pixels are written.
    const cover = ext ? union(tile, ext) : tile;
    const [cx0, cx1] = outSpan(cover.x, cover.x + cover.width, rx);
    const [cy0, cy1] = outSpan(cover.y, cover.y + cover.height, ry);
    const lanczos = toOutput(lr, 1, 0, 0, rx, ry, { x0: cx0, x1: cx1, y0: cy0, y1: cy1 }, 'lanczos3');
    const [tx0, tx1] = outSpan(tile.x, tile.x + tile.width, rx);
    const [ty0, ty1] = outSpan(tile.y, tile.y + tile.height, ry);
    writeRgba(out, width, lanczos, cx0, cy0, { x0: tx0, x1: tx1, y0: ty0, y1: ty1 }, false);
    const inference = started.get(i);
    started.delete(i);
    if (!box || !ext || !model || !inference) continue;

    // 2. The model over the tile's detail, blended with Lanczos and back-projected.
    modelWindows++;
    modelPixels += box.width * box.height;
    const x4 = await inference;
    start(nextWindow(i));
    const [wx0, wx1] = outSpan(ext.x, ext.x + ext.width, rx);
    const [wy0, wy1] = outSpan(ext.y, ext.y + ext.height, ry);
    const win = { x0: wx0, x1: wx1, y0: wy0, y1: wy1 };
    const sr = toOutput({ ...x4, channels: 3 }, model.spec.output.scale, ext.x, ext.y, rx, ry, win, 'area');
    const lz = crop(lanczos, wx0 - cx0, wy0 - cy0, wx1 - wx0, wy1 - wy0);
    const blended = sr.data; // the model's output is ours to overwrite
    for (let i = 0; i < blended.length; i++)
      blended[i] = lz.data[i]! + modelWeight * (blended[i]! - lz.data[i]!);
    const result: Planes = { data: blended, width: sr.width, height: sr.height, channels: 3 };
    if (backProjection) backProject(result, ref, ext, win, rx, ry);
    const [bx0, bx1] = outSpan(box.x, box.x + box.width, rx);
    const [by0, by1] = outSpan(box.y, box.y + box.height, ry);
    writeRgba(out, width, result, wx0, wy0, { x0: bx0, x1: bx1, y0: by0, y1: by1 }, transparent);
  }
  const total = image.width * image.height;
  return {
    image: { data: out, width, height, channels: 4 },
    stats: {
      jpegGrid: grid,
      modelCoverage: total ? modelPixels / total : 0,
      tiles: tiles.length,
      modelWindows,
    },
  };
}

/**
 * One back-projection step, in place: `sr` (the output window `win`) brought down to the input window `ext`
 * with the area filter, compared with the input, and the difference brought back up (tent) and added.
 */
function backProject(
  sr: Planes,
  lr: Planes,
  ext: Rect,
  win: { x0: number; x1: number; y0: number; y1: number },
  rx: number,
  ry: number,
): void {
  // Input pixel i's centre is at output coordinate (i + 0.5)·r; in the window array, minus its origin.
  const down = resampleWindow(
    sr,
    ext.width,
    ext.height,
    'area',
    { scale: rx, offset: ext.x * rx - win.x0 },
    { scale: ry, offset: ext.y * ry - win.y0 },
  );
  const n = lr.width * lr.height;
  const m = ext.width * ext.height;
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < ext.height; y++) {
      for (let x = 0; x < ext.width; x++) {
        const i = c * m + y * ext.width + x;
        down.data[i] = lr.data[c * n + (ext.y + y) * lr.width + ext.x + x]! - down.data[i]!;
      }
    }
  }
  const up = resampleWindow(
    down,
    sr.width,
    sr.height,
    'triangle',
    { scale: 1 / rx, offset: win.x0 / rx - ext.x },
    { scale: 1 / ry, offset: win.y0 / ry - ext.y },
  );
  for (let i = 0; i < sr.data.length; i++) sr.data[i]! += up.data[i]!;
}
