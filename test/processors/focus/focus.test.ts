/**
 * The focus split's pieces on synthetic pictures whose blur is known: the edge-blur estimate against the
 * Gaussian that made the edge, SLIC against a colour boundary, and the split against a sharp product pasted
 * over a blurred scene object (and a scene that is all in focus, which must not split).
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { edgeBlur } from '../../../src/processors/focus/edge-blur.js';
import { inFocusPart } from '../../../src/processors/focus/in-focus-subject.js';
import { slic } from '../../../src/processors/focus/superpixels.js';

const W = 240;
const H = 240;

async function blurred(rgb: Uint8Array, width: number, height: number, sigma: number) {
  if (sigma === 0) return rgb;
  const out = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .blur(sigma)
    .raw()
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Blocks of `block` px, each one random grey in [lo, hi], tinted by `tint`. */
function blocks(
  width: number,
  height: number,
  block: number,
  lo: number,
  hi: number,
  tint: number[],
  seed: number,
) {
  const next = random(seed);
  const cols = Math.ceil(width / block);
  const values = Array.from({ length: cols * Math.ceil(height / block) }, () => lo + next() * (hi - lo));
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = values[Math.floor(y / block) * cols + Math.floor(x / block)]!;
      for (let c = 0; c < 3; c++) out[(y * width + x) * 3 + c] = Math.min(255, Math.round(v * tint[c]!));
    }
  }
  return out;
}

/** A dark cloth of grey `base` with sharp one-pixel creases of grey `crease` every `every` px, diagonally. */
function creases(width: number, height: number, base: number, crease: number, every: number) {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++)
      out.fill((x + y) % every === 0 ? crease : base, (y * width + x) * 3, (y * width + x + 1) * 3);
  }
  return out;
}

const inRect = (x: number, y: number, r: number[]) => x >= r[0]! && x < r[2]! && y >= r[1]! && y < r[3]!;
const PRODUCT = [60, 20, 180, 130];
const STATUE = [40, 120, 200, 232];

/** A sharp dark product pasted over a grey scene object, both over green foliage; scene blurred by σ. */
async function scene(sceneBlur: number) {
  const foliage = blocks(W, H, 9, 40, 200, [0.6, 1, 0.5], 1);
  const stone = blocks(W, H, 12, 50, 230, [1, 1, 1], 2);
  const layer = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const from = inRect(x, y, STATUE) ? stone : foliage;
      for (let c = 0; c < 3; c++) layer[(y * W + x) * 3 + c] = from[(y * W + x) * 3 + c]!;
    }
  }
  const rgb = await blurred(layer, W, H, sceneBlur);
  const cloth = creases(W, H, 30, 90, 29);
  const region = new Uint8Array(W * H);
  const product = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (inRect(x, y, PRODUCT)) {
        product[i] = 1;
        for (let c = 0; c < 3; c++) rgb[i * 3 + c] = cloth[i * 3 + c]!;
      }
      region[i] = product[i] || inRect(x, y, STATUE) ? 1 : 0;
    }
  }
  return { rgb, region, product };
}

describe('edgeBlur', () => {
  it('measures the blur that made a step edge', async () => {
    const step = new Uint8Array(W * H * 3);
    for (let i = 0; i < W * H; i++) step.fill(i % W >= W / 2 + 3 ? 200 : 40, i * 3, i * 3 + 3);
    for (const sigma of [1, 2, 3]) {
      const rgb = await blurred(step, W, H, sigma);
      const grey = Float32Array.from({ length: W * H }, (_, i) => rgb[i * 3]!);
      const { sigma: estimate, edge } = edgeBlur(grey, W, H);
      const found: number[] = [];
      for (let y = 20; y < H - 20; y++) {
        for (let x = 0; x < W; x++) if (edge[y * W + x]) found.push(estimate[y * W + x]!);
      }
      expect(found.length).toBeGreaterThan(H - 50);
      const median = found.sort((a, b) => a - b)[found.length >> 1]!;
      // The estimate includes the 0.5 px measuring blur: √(σ² + 0.25).
      expect(median).toBeGreaterThan(Math.sqrt(sigma * sigma + 0.25) * 0.8);
      expect(median).toBeLessThan(Math.sqrt(sigma * sigma + 0.25) * 1.25);
    }
  });
});

describe('slic', () => {
  it('covers the picture with regions that do not cross a colour boundary', () => {
    const next = random(7);
    const rgb = new Uint8Array(W * H * 3);
    for (let i = 0; i < W * H; i++) {
      const left = i % W < 101;
      rgb[i * 3] = (left ? 200 : 40) + Math.round(next() * 20);
      rgb[i * 3 + 1] = 60 + Math.round(next() * 20);
      rgb[i * 3 + 2] = (left ? 40 : 200) + Math.round(next() * 20);
    }
    const { labels, count } = slic(rgb, W, H, { step: 24 });
    // At least one region per grid cell (k-means leftovers are regions of their own).
    expect(count).toBeGreaterThanOrEqual((W / 24) * (H / 24));
    const side = new Map<number, boolean>();
    let outOfRange = 0;
    let crossing = 0;
    for (let i = 0; i < W * H; i++) {
      if (labels[i]! < 0 || labels[i]! >= count) outOfRange++;
      const left = i % W < 101;
      const seen = side.get(labels[i]!);
      if (seen === undefined) side.set(labels[i]!, left);
      else if (seen !== left) crossing++;
    }
    expect(outOfRange).toBe(0);
    expect(crossing).toBe(0);
  });
});

describe('inFocusPart', () => {
  it('drops the blurred scene object joined to a sharp product', async () => {
    const { rgb, region, product } = await scene(2);
    const part = inFocusPart(rgb, region, W, H);
    expect(part).not.toBeNull();
    let both = 0;
    let either = 0;
    for (let i = 0; i < W * H; i++) {
      if (part!.keep[i] && product[i]) both++;
      if (part!.keep[i] || product[i]) either++;
    }
    expect(both / either).toBeGreaterThan(0.9);
    const statueShare = 1 - product.reduce((a, b) => a + b, 0) / region.reduce((a, b) => a + b, 0);
    expect(part!.droppedShare).toBeGreaterThan(statueShare * 0.85);
  });

  it('leaves a region alone when the whole scene is in focus', async () => {
    const { rgb, region } = await scene(0);
    expect(inFocusPart(rgb, region, W, H)).toBeNull();
  });
});
