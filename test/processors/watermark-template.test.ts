/**
 * A tiled mark restored through one template, on images made in code where every copy's place is known: the
 * steps between copies are measured from the strokes found, the template comes from a copy on plain ground,
 * a piece of product that only the template's own copy shows is dropped, and the copies over a textured
 * "product", which no background estimate explains, are found with the template and restored with it.
 */
import { describe, expect, it } from 'vitest';
import { psnrOn } from '../../bench/watermark/metrics.js';
import type { RawImage } from '../../src/processors/types.js';
import { analyseRegion, type RegionAnalysis } from '../../src/processors/watermark/analyse-region.js';
import type { BlendModel } from '../../src/processors/watermark/estimate-alpha.js';
import { locateCopies, testAt } from '../../src/processors/watermark/locate-copies.js';
import { analysisAt, confirmedTemplate, templateOf } from '../../src/processors/watermark/mark-template.js';
import { repeatSteps, strokeMap } from '../../src/processors/watermark/repeat-steps.js';
import { unblendInto } from '../../src/processors/watermark/unblend.js';
import { paint } from '../helpers/synthetic-images.js';

const W = 480;
const H = 360;
const ALPHA = 0.3;
const COLOUR: [number, number, number] = [60, 60, 60];
const MODEL: BlendModel = {
  alpha: ALPHA,
  colour: COLOUR,
  residual: 1,
  backgroundSpread: 20,
  support: 500,
  explained: 0.95,
};
const STEPS: [number, number][] = [
  [120, 20],
  [-30, 110],
];
/** Left of this the ground is plain; right of it, a striped "product". */
const PRODUCT_X = 240;

/** The glyph: a ring and a bar, with anti-aliased edges (coverage 0..1) over a 48×40 box. */
function glyph(u: number, v: number): number {
  const ring = 1 - Math.min(1, Math.max(0, Math.abs(Math.hypot(u - 16, v - 20) - 12) - 2));
  const bar = u >= 32 && u <= 44 ? 1 - Math.min(1, Math.max(0, Math.abs(v - 20) - 14)) : 0;
  const barEdge = u >= 31 && u < 32 ? 0.5 : 0;
  return Math.max(ring, bar, barEdge);
}

/** Copy origins on the lattice through (20, 15), all those whose glyph lies wholly inside the image. */
function places(): [number, number][] {
  const out: [number, number][] = [];
  for (let m = -4; m <= 4; m++)
    for (let n = -4; n <= 4; n++) {
      const x = 20 + m * STEPS[0]![0] + n * STEPS[1]![0];
      const y = 15 + m * STEPS[0]![1] + n * STEPS[1]![1];
      if (x >= 0 && y >= 0 && x + 48 <= W && y + 40 <= H) out.push([x, y]);
    }
  return out;
}

function scene(): { clean: RawImage; marked: RawImage; mark: Uint8Array } {
  const clean = paint(W, H, (x, y) =>
    x < PRODUCT_X ? [236, 234, 230, 255] : (x + 2 * y) % 9 < 4 ? [40, 70, 150, 255] : [90, 120, 190, 255],
  );
  const marked: RawImage = { ...clean, data: Buffer.from(clean.data) };
  const mark = new Uint8Array(W * H);
  for (const [px, py] of places())
    for (let v = 0; v < 40; v++)
      for (let u = 0; u < 48; u++) {
        const s = glyph(u, v);
        if (s <= 0) continue;
        const i = (py + v) * W + px + u;
        mark[i] = 1;
        for (let k = 0; k < 3; k++)
          marked.data[i * 4 + k] = Math.round(
            ALPHA * s * COLOUR[k]! + (1 - ALPHA * s) * clean.data[i * 4 + k]!,
          );
      }
  return { clean, marked, mark };
}

/** What the detector and the blend fit would have found: the copies on plain ground, each measured. */
function foundOnPlainGround(marked: RawImage): RegionAnalysis[] {
  return places()
    .filter(([x]) => x + 48 < PRODUCT_X - 10)
    .map(([x, y]) => {
      const box = { x0: Math.max(0, x - 2), y0: Math.max(0, y - 2), x1: x + 50, y1: y + 42 };
      const mask = new Uint8Array((box.x1 - box.x0) * (box.y1 - box.y0)).fill(1);
      return analyseRegion(marked, { box, mask, textHeight: 40 }, MODEL);
    })
    .filter((a): a is RegionAnalysis => a !== null);
}

describe('tiled mark template', () => {
  const { clean, marked, mark } = scene();
  const found = foundOnPlainGround(marked);

  it('measures the steps between copies from the strokes found', () => {
    expect(found.length).toBeGreaterThanOrEqual(3);
    const steps = repeatSteps(strokeMap(found, W, H), found, W, H);
    // Every step found is a lattice step: an integer combination of the two the copies were pasted with.
    expect(steps.length).toBeGreaterThan(0);
    for (const [dx, dy] of steps) {
      const det = STEPS[0]![0] * STEPS[1]![1] - STEPS[0]![1] * STEPS[1]![0];
      const m = (dx * STEPS[1]![1] - dy * STEPS[1]![0]) / det;
      const n = (STEPS[0]![0] * dy - STEPS[0]![1] * dx) / det;
      expect(Math.abs(m - Math.round(m))).toBeLessThan(0.02);
      expect(Math.abs(n - Math.round(n))).toBeLessThan(0.02);
    }
  });

  it('tests a place by the edges its blend explains: a copy passes, half a step off does not', () => {
    const template = templateOf(found, MODEL, W, H)!;
    expect(template).not.toBeNull();
    // The template's copy: its analysis crop starts 10 px before the glyph (2 of region, 8 of context).
    const own: [number, number] = [template.x0 + 10, template.y0 + 10];
    expect(places()).toContainEqual(own);
    const onProduct = places().find(([x]) => x > PRODUCT_X + 10)!;
    const dx = onProduct[0] - own[0];
    const dy = onProduct[1] - own[1];
    const hit = testAt(marked, template, MODEL, dx, dy);
    expect(hit.agreement).toBeGreaterThan(0.5);
    expect(hit.strength).toBeGreaterThan(0.7);
    expect(hit.strength).toBeLessThan(1.3);
    const miss = testAt(marked, template, MODEL, dx + 60, dy + 10);
    expect(miss.agreement).toBeLessThan(0.2);
  });

  it('drops a piece of product that only the template copy shows', () => {
    // A grey patch beside one plain copy's glyph (clear of it), inside its region: its analysis takes it for strokes.
    const withPatch: RawImage = { ...marked, data: Buffer.from(marked.data) };
    const [px, py] = places().find(([x]) => x + 48 < PRODUCT_X - 10)!;
    for (let y = py; y < py + 6; y++)
      for (let x = px; x < px + 8; x++) withPatch.data.fill(150, (y * W + x) * 4, (y * W + x) * 4 + 3);
    const box = { x0: Math.max(0, px - 2), y0: Math.max(0, py - 2), x1: px + 50, y1: py + 42 };
    const patched = analyseRegion(
      withPatch,
      { box, mask: new Uint8Array((box.x1 - box.x0) * (box.y1 - box.y0)).fill(1), textHeight: 40 },
      MODEL,
    )!;
    // Make the patched copy the template (most strokes) among the plain copies.
    const others = foundOnPlainGround(withPatch).filter(
      (a) => a.box.x0 !== patched.box.x0 || a.box.y0 !== patched.box.y0,
    );
    const template = templateOf([{ ...patched, strokePixels: 1e6 }, ...others], MODEL, W, H)!;
    expect(template.x0).toBe(patched.box.x0);
    const at = (t: typeof template, x: number, y: number) => t.coverage[(y - t.y0) * t.width + (x - t.x0)]!;
    expect(at(template, px + 3, py + 2)).toBeGreaterThan(0.5);
    const all = [patched, ...others];
    const copies = locateCopies(withPatch, template, MODEL, repeatSteps(strokeMap(all, W, H), all, W, H));
    expect(copies.length).toBeGreaterThanOrEqual(3);
    const confirmed = confirmedTemplate(withPatch, template, MODEL, copies);
    expect(at(confirmed, px + 3, py + 2)).toBe(0);
    // The glyph itself stays: the ring's left stroke.
    expect(at(confirmed, px + 4, py + 20)).toBeGreaterThan(0.5);
  });

  it('finds the copies over the product and restores them with the template', () => {
    const template = templateOf(found, MODEL, W, H)!;
    const steps = repeatSteps(strokeMap(found, W, H), found, W, H);
    const copies = locateCopies(marked, template, MODEL, steps);
    expect(copies.length).toBe(places().length);
    const out = Buffer.from(marked.data);
    const none = new Uint8Array(W * H);
    for (const c of copies)
      unblendInto(out, marked, analysisAt(marked, c.template, MODEL, c.dx, c.dy, none)!, 0.9);
    const restored: RawImage = { ...marked, data: out };
    const onProduct = mark.map((v, i) => (v && i % W >= PRODUCT_X ? 1 : 0));
    expect(psnrOn(marked, clean, onProduct)).toBeLessThan(25);
    expect(psnrOn(restored, clean, onProduct)).toBeGreaterThan(40);
    // Nothing else changed.
    const elsewhere = mark.map((v) => (v ? 0 : 1));
    expect(psnrOn(restored, marked, elsewhere)).toBeGreaterThan(60);
  });
});
