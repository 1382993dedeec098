/**
 * The watermark helpers on images made in code, where the truth is known exactly: the blend fit recovers
 * opacity and colour, un-blending restores the pixels under a mark, exemplar inpainting continues texture
 * where a diffusion fill smears it, the lattice of a tiled mark is found from its copies, and text lines of
 * very different sizes stay apart.
 */
import { describe, expect, it } from 'vitest';
import { psnrOn } from '../../bench/watermark/metrics.js';
import { diffusionFill } from '../../bench/watermark/naive.js';
import type { RawImage } from '../../src/processors/types.js';
import {
  analyseRegion,
  localStrokes,
  type RegionAnalysis,
  restoredShareOf,
  strokeGroundShare,
  strokeShareOn,
  withStrokesFrom,
} from '../../src/processors/watermark/analyse-region.js';
import {
  gradedBackdrop,
  plainBackdrop,
  plainBackground,
} from '../../src/processors/watermark/classify-overlay.js';
import { type Copy, latticeOf } from '../../src/processors/watermark/detect-repetition.js';
import { type TextMap, textRegions } from '../../src/processors/watermark/detect-text.js';
import { type BlendModel, fitBlend, type Planes } from '../../src/processors/watermark/estimate-alpha.js';
import { extendLine } from '../../src/processors/watermark/extend-line.js';
import { grownStrokes } from '../../src/processors/watermark/grow-strokes.js';
import { inpaintPatch } from '../../src/processors/watermark/inpaint-patch.js';
import { withoutNewSeams } from '../../src/processors/watermark/seam-check.js';
import { withStackedCopies } from '../../src/processors/watermark/stacked-copies.js';
import { stampsAfloat } from '../../src/processors/watermark/stamp-afloat.js';
import { unblendInto } from '../../src/processors/watermark/unblend.js';
import { seededUniform } from '../helpers/seeded-uniform.js';
import { paint } from '../helpers/synthetic-images.js';

/** A smooth photo-like background: gradients in each channel. */
const background = (w: number, h: number) =>
  paint(w, h, (x, y) => [40 + Math.round((180 * x) / w), 60 + Math.round((150 * y) / h), 120, 255]);

/** Blends a bar pattern (strokes 6 px wide) of `colour` at `alpha` into the image; returns the stroke mask. */
function blendBars(
  image: RawImage,
  alpha: number,
  colour: [number, number, number],
  box: [number, number, number, number],
) {
  const mask = new Uint8Array(image.width * image.height);
  const [x0, y0, x1, y1] = box;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      if ((x - x0) % 14 >= 6) continue;
      const i = y * image.width + x;
      mask[i] = 1;
      for (let k = 0; k < 3; k++)
        image.data[i * 4 + k] = Math.round(alpha * colour[k]! + (1 - alpha) * image.data[i * 4 + k]!);
    }
  return mask;
}

describe('fitBlend', () => {
  it('recovers opacity and colour from pixels over a changing background', () => {
    const n = 2000;
    const b: Planes = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    const m: Planes = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    for (let i = 0; i < n; i++)
      for (let k = 0; k < 3; k++) {
        b[k]![i] = (i * (k + 3) * 7) % 256;
        m[k]![i] = 0.3 * 250 + 0.7 * b[k]![i]!;
      }
    const model = fitBlend(
      m,
      b,
      Int32Array.from({ length: n }, (_, i) => i),
      2,
    )!;
    expect(model.alpha).toBeCloseTo(0.3, 2);
    for (const c of model.colour) expect(c).toBeCloseTo(250, 0);
    expect(model.explained).toBeGreaterThan(0.99);
  });

  /**
   * A `colour` blend at α 0.4 over pale yellow ground, measured against a background with the median's error
   * (±8 levels, random) and `bias` levels more blue than the ground had (the median took some of the mark).
   */
  const overYellow = (colour: [number, number, number], bias: number) => {
    const random = seededUniform(12345);
    const n = 2000;
    const b: Planes = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    const m: Planes = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    for (let i = 0; i < n; i++) {
      const t = random();
      const ground = [150 + 100 * t, 140 + 100 * t, 60 + 80 * random()];
      for (let k = 0; k < 3; k++) {
        m[k]![i] = 0.4 * colour[k]! + 0.6 * ground[k]!;
        b[k]![i] = ground[k]! + 16 * (random() - 0.5) + (k === 2 ? bias : 0);
      }
    }
    return fitBlend(
      m,
      b,
      Int32Array.from({ length: n }, (_, i) => i),
      2,
    )!;
  };

  it('takes a nearly neutral ink as neutral when the tint is the ground leaking in', () => {
    // Fitted freely, the ink comes out (253, 253, 248).
    const model = overYellow([255, 255, 255], 2);
    expect(Math.max(...model.colour) - Math.min(...model.colour)).toBeLessThan(0.5);
    expect(model.colour[0]).toBeGreaterThan(240);
  });

  it('keeps a coloured ink coloured', () => {
    const model = overYellow([255, 160, 120], 0);
    expect(model.colour[0] - model.colour[2]).toBeGreaterThan(100);
  });
});

describe('analyseRegion + unblendInto', () => {
  it('restores the background under a semi-transparent white mark to within noise', () => {
    const clean = background(240, 120);
    const marked: RawImage = { ...clean, data: Buffer.from(clean.data) };
    const mask = blendBars(marked, 0.35, [255, 255, 255], [30, 40, 210, 80]);
    const region = {
      box: { x0: 20, y0: 30, x1: 220, y1: 90 },
      mask: new Uint8Array(200 * 60).fill(1),
      textHeight: 40,
    };
    const analysis = analyseRegion(marked, region)!;
    expect(analysis.model.alpha).toBeCloseTo(0.35, 1);
    const out = Buffer.from(marked.data);
    unblendInto(out, marked, analysis, 0.88);
    const restored = { ...marked, data: out };
    expect(psnrOn(marked, clean, mask)).toBeLessThan(20);
    expect(psnrOn(restored, clean, mask)).toBeGreaterThan(35);
    // One blend explains the whole region: fitting one side of it alone has nothing to add.
    expect(analyseRegion(marked, region, undefined, 'one side')).toBeNull();
  });

  it('gives back the ground under a grey mark on white, which restoredShareOf counts, and not another', () => {
    const white = paint(240, 120, () => [255, 255, 255, 255]);
    blendBars(white, 0.35, [128, 128, 128], [30, 40, 210, 80]);
    const region = {
      box: { x0: 20, y0: 30, x1: 220, y1: 90 },
      mask: new Uint8Array(200 * 60).fill(1),
      textHeight: 40,
    };
    const analysis = analyseRegion(white, region)!;
    expect(analysis.strokePixels).toBeGreaterThan(1000);
    expect(restoredShareOf(analysis, [255, 255, 255])).toBeGreaterThan(0.9);
    // A pale grey backdrop is not what the strokes hide: 30 levels off, past the 12 allowed.
    expect(restoredShareOf(analysis, [225, 225, 225])).toBeLessThan(0.1);
  });
});

/** A blend known exactly (no residual, everything explained). */
const exactBlend = (alpha: number, colour: [number, number, number]): BlendModel => ({
  alpha,
  colour,
  residual: 0,
  backgroundSpread: 0,
  support: 0,
  explained: 1,
});

describe('withStackedCopies', () => {
  const white = exactBlend(0.3, [255, 255, 255]);
  const region = {
    box: { x0: 20, y0: 30, x1: 220, y1: 90 },
    mask: new Uint8Array(200 * 60).fill(1),
    textHeight: 40,
  };

  it('removes both layers where two copies of a mark overlap, and only one elsewhere', () => {
    const clean = background(240, 120);
    const marked: RawImage = { ...clean, data: Buffer.from(clean.data) };
    const once = blendBars(marked, 0.3, [255, 255, 255], [30, 40, 210, 80]);
    // The next copy's start laid over the end of this one: the same bars blended a second time.
    const twice = blendBars(marked, 0.3, [255, 255, 255], [142, 40, 210, 80]);
    const single = once.map((v, i) => v & (twice[i]! ^ 1));
    const analysis = analyseRegion(marked, region, white)!;
    const restore = (a: typeof analysis) => {
      const out = Buffer.from(marked.data);
      unblendInto(out, marked, a, 0.88);
      return { ...marked, data: out };
    };
    const capped = restore(analysis);
    const stacked = restore(withStackedCopies(analysis));
    // Capped at one layer, the overlap keeps a whole copy's worth of mark.
    expect(psnrOn(capped, clean, twice)).toBeLessThan(25);
    expect(psnrOn(stacked, clean, twice)).toBeGreaterThan(35);
    expect(psnrOn(stacked, clean, single)).toBeCloseTo(psnrOn(capped, clean, single), 5);
  });

  it('returns an analysis without overlapping copies as it was', () => {
    const clean = background(240, 120);
    const marked: RawImage = { ...clean, data: Buffer.from(clean.data) };
    blendBars(marked, 0.3, [255, 255, 255], [30, 40, 210, 80]);
    const analysis = analyseRegion(marked, region, white)!;
    expect(withStackedCopies(analysis)).toBe(analysis);
  });
});

describe('gradedBackdrop', () => {
  // A lit sweep: light at the top, darker below, a little darker to the right; a dark product in the middle.
  const sweep = (x: number, y: number) => 220 - Math.round((90 * y) / 200) - Math.round((30 * x) / 300);
  const product = (x: number, y: number) => x >= 100 && x < 200 && y >= 60 && y < 140;
  const photo = paint(300, 200, (x, y) =>
    product(x, y) ? [150, 40, 30, 255] : [sweep(x, y), sweep(x, y), sweep(x, y) + 4, 255],
  );

  it('follows a ramp the border is no one colour of, up to the product', () => {
    expect(plainBackground(photo, 0)).toBeNull();
    const ground = gradedBackdrop(photo, 0)!.grown;
    expect(ground).not.toBeNull();
    let onSweep = 0;
    let sweepPixels = 0;
    let onProduct = 0;
    for (let y = 0; y < 200; y++)
      for (let x = 0; x < 300; x++) {
        if (product(x, y)) onProduct += ground[y * 300 + x]!;
        else {
          sweepPixels++;
          onSweep += ground[y * 300 + x]!;
        }
      }
    expect(onSweep / sweepPixels).toBeGreaterThan(0.99);
    expect(onProduct).toBe(0);
  });

  it('is null where the border is texture (a photograph behind the product)', () => {
    const uniform = seededUniform(7);
    const noise = () => Math.round(uniform() * 120);
    const textured = paint(300, 200, (x, y) => {
      const v = sweep(x, y) - 60 + noise();
      return [v, v, v, 255];
    });
    expect(gradedBackdrop(textured, 0)).toBeNull();
  });
});

describe('strokeGroundShare', () => {
  const grey = exactBlend(0.35, [0, 0, 0]);
  /** A bold 30 px square blended at (x0, 40) on flat grey, with a dark product from x = productFrom to 180. */
  function boldMark(x0: number, productFrom: number) {
    const onProduct = (x: number, y: number) => x >= productFrom && x < 180 && y >= 20 && y < 100;
    const image = paint(240, 120, (x, y) => (onProduct(x, y) ? [60, 50, 40, 255] : [200, 200, 200, 255]));
    for (let y = 40; y < 70; y++)
      for (let x = x0; x < x0 + 30; x++)
        for (let k = 0; k < 3; k++) {
          const i = 4 * (y * 240 + x) + k;
          image.data[i] = Math.round(0.65 * (onProduct(x, y) ? [60, 50, 40][k]! : 200));
        }
    const region = {
      box: { x0: x0 - 10, y0: 30, x1: x0 + 40, y1: 80 },
      mask: new Uint8Array(50 * 50).fill(1),
      textHeight: 30,
    };
    return { image, analysis: analyseRegion(image, region, grey)! };
  }

  it('counts a bold letter over the backdrop whole, where its pixels on the backdrop are a third of it', () => {
    const { image, analysis } = boldMark(60, 240);
    const ground = plainBackground(image, 3)!;
    expect(strokeShareOn(analysis, ground, 240)).toBeLessThan(0.5);
    expect(strokeGroundShare(analysis, ground, 240)).toBeGreaterThan(0.95);
  });

  it('counts a letter half over the product by the half of its rim on the backdrop', () => {
    const { image, analysis } = boldMark(105, 120);
    const share = strokeGroundShare(analysis, plainBackground(image, 3)!, 240);
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.7);
  });
});

describe('stampsAfloat', () => {
  /** White backdrop, a dark product rising from the bottom edge, and a ring of `ink` around (60, 50). */
  function scene(ink: [number, number, number]) {
    const ring = (x: number, y: number) => {
      const d = Math.hypot(x - 60, y - 50);
      return d >= 20 && d <= 32;
    };
    const image = paint(240, 160, (x, y) =>
      x >= 130 && y >= 40 ? [30, 30, 35, 255] : ring(x, y) ? [...ink, 255] : [255, 255, 255, 255],
    );
    const region = {
      box: { x0: 30, y0: 20, x1: 92, y1: 82 },
      mask: new Uint8Array(62 * 62).fill(1),
      textHeight: 20,
    };
    return { image, region, plain: plainBackdrop(image, 3)! };
  }

  it('fills a pale pink ring apart from the product with the backdrop', () => {
    const { image, region, plain } = scene([240, 170, 175]);
    const [stamp] = stampsAfloat(image, plain, [region], [255, 255, 255]);
    expect(stamp).toBeDefined();
    const w = stamp!.box.x1 - stamp!.box.x0;
    // The ring's pixel at (60, 20) is masked and filled white; the product is outside the box.
    const i = (20 - stamp!.box.y0) * w + 60 - stamp!.box.x0;
    expect(stamp!.mask[i]).toBe(1);
    expect(stamp!.fill[1]![i]).toBeGreaterThan(250);
    expect(stamp!.box.x1).toBeLessThanOrEqual(130);
  });

  it('leaves a grey ring (a shadow could be grey) and a dark red one (no tint of the backdrop)', () => {
    for (const ink of [
      [190, 190, 192],
      [170, 20, 30],
    ] as [number, number, number][]) {
      const { image, region, plain } = scene(ink);
      expect(stampsAfloat(image, plain, [region], [255, 255, 255])).toHaveLength(0);
    }
  });

  it('leaves a pale island that is the product itself (the largest one)', () => {
    const image = paint(240, 160, (x, y) =>
      Math.hypot(x - 120, y - 80) <= 50 ? [240, 170, 175, 255] : [255, 255, 255, 255],
    );
    const region = {
      box: { x0: 90, y0: 60, x1: 150, y1: 100 },
      mask: new Uint8Array(60 * 40).fill(1),
      textHeight: 20,
    };
    expect(stampsAfloat(image, plainBackdrop(image, 3)!, [region], [255, 255, 255])).toHaveLength(0);
  });
});

describe('extendLine', () => {
  const white = exactBlend(0.4, [255, 255, 255]);
  const regionAt = (x0: number, y0: number, x1: number, y1: number) => ({
    box: { x0, y0, x1, y1 },
    mask: new Uint8Array((x1 - x0) * (y1 - y0)).fill(1),
    textHeight: 40,
  });

  it('searches along the line of the largest region found, not over a band a piece far above would add', () => {
    // Dark ground, which a white blend can be proven not to cover (un-blended it would be below black).
    const image = paint(400, 300, (x, y) => [50 + Math.round(x / 20), 60 + Math.round(y / 20), 70, 255]);
    blendBars(image, 0.4, [255, 255, 255], [20, 200, 380, 240]);
    blendBars(image, 0.4, [255, 255, 255], [300, 30, 330, 50]);
    const line = analyseRegion(image, regionAt(10, 190, 120, 250), white)!;
    const above = analyseRegion(image, regionAt(290, 20, 340, 60), white)!;
    const pieces = extendLine(image, [line, above], white, 40, 0.9);
    expect(pieces.length).toBeGreaterThan(0);
    let barsFound = 0;
    for (const { analysis: a } of pieces) {
      // The band of the line with its margin (a quarter of its height), not the rows up to the piece above.
      expect(a.box.y0).toBeGreaterThanOrEqual(190);
      expect(a.box.y1).toBeLessThanOrEqual(250);
      for (let i = 0; i < a.coverage.length; i++) if (a.coverage[i]! > 0.5) barsFound++;
    }
    // The line's bars beyond the first region: 6 px in every 14 of 260 columns, over 40 rows.
    expect(barsFound).toBeGreaterThan(0.8 * 6 * Math.floor(260 / 14) * 40);
  });
});

/**
 * An analysis over a whole w × h grey crop, every pixel in the region, with the given blend: `at` gives each
 * pixel's value, its measured background and coverage.
 */
function wholeCrop(
  w: number,
  h: number,
  at: (x: number, y: number) => [pixel: number, background: number, coverage: number],
  alpha: number,
  colour: [number, number, number],
): RegionAnalysis {
  const plane = () => new Float32Array(w * h);
  const pixels: Planes = [plane(), plane(), plane()];
  const background: Planes = [plane(), plane(), plane()];
  const coverage = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const [m, b, c] = at(x, y);
      for (let k = 0; k < 3; k++) {
        pixels[k]![i] = m;
        background[k]![i] = b;
      }
      coverage[i] = c;
    }
  return {
    box: { x0: 0, y0: 0, x1: w, y1: h },
    width: w,
    height: h,
    pixels,
    background,
    median: background,
    model: exactBlend(alpha, colour),
    coverage,
    strokePixels: 0,
    regionMask: new Uint8Array(w * h).fill(1),
    minStroke: 2,
  };
}

describe('grownStrokes', () => {
  it('continues a letter measured on part of a smoothly shaded product along it, and not beyond its edges', () => {
    // A shaded grey product under a grey bar at α 0.35; the median measured the bar's first part only.
    const w = 160;
    const h = 60;
    const grey = (x: number, y: number) => 205 + 0.2 * x + 0.2 * y;
    const bar = (x: number, y: number) => y >= 20 && y < 40 && x >= 10 && x < 150;
    const analysis = wholeCrop(
      w,
      h,
      (x, y) => {
        const g = grey(x, y);
        const m = Math.round(bar(x, y) ? 0.35 * 128 + 0.65 * g : g);
        // Further on, the median took the bar for the surface.
        return [m, x < 50 ? g : m, bar(x, y) && x < 50 ? 1 : 0];
      },
      0.35,
      [128, 128, 128],
    );
    const grown = grownStrokes(analysis)!;
    let onBar = 0;
    let barPixels = 0;
    let offBar = 0;
    for (let y = 0; y < h; y++)
      for (let x = 50; x < w; x++) {
        const s = grown.coverage[y * w + x]!;
        if (bar(x, y)) {
          barPixels++;
          if (s > 0.5) onBar++;
        } else offBar = Math.max(offBar, s);
      }
    // The whole bar: the growth takes its inside, the rim measured around it its edge rows.
    expect(onBar / barPixels).toBeGreaterThan(0.95);
    // Beside it, at most what the product's shading reads as (the rim measures every pixel next to the bar).
    expect(offBar).toBeLessThan(0.1);
  });
});

describe('withoutNewSeams', () => {
  const w = 120;
  const h = 80;
  /** A grey image whose pixels `at` gives, as the analysis over all of it sees it with a white blend at α 0.3. */
  const scene = (at: (x: number, y: number) => [pixel: number, coverage: number]) => {
    const image = paint(w, h, (x, y) => {
      const v = at(x, y)[0];
      return [v, v, v, 255];
    });
    const analysis = wholeCrop(w, h, (x, y) => [at(x, y)[0], 0, at(x, y)[1]], 0.3, [255, 255, 255]);
    return { image, analysis };
  };

  it('hands back a piece of bright product that a text band cut out and took for a white mark', () => {
    // A broad bright bezel (x 20–100) on dark ground; the line's band (rows 30–50) took a part of it.
    const piece = (x: number, y: number) => x >= 40 && x < 80 && y >= 30 && y < 50;
    // And a real white letter, a bar blended at α 0.3 on the dark ground beside it.
    const letter = (x: number, y: number) => x >= 4 && x < 12 && y >= 30 && y < 50;
    const { image, analysis } = scene((x, y) => {
      if (letter(x, y)) return [Math.round(0.3 * 255 + 0.7 * 60), 1];
      return [x >= 20 && x < 100 ? 220 : 60, piece(x, y) ? 0.9 : 0];
    });
    const checked = withoutNewSeams(image, analysis, 0.75);
    expect(checked.pieces).toBe(1);
    expect(checked.pixels).toBe(40 * 20);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const s = checked.analysis.coverage[y * w + x]!;
        expect(s).toBe(letter(x, y) ? 1 : 0);
      }
  });

  it('keeps a white mark over textured ground, whose edges its un-blending takes away', () => {
    // Stripes of texture under letters with anti-aliased rims (coverage 0.5 on their outer ring).
    const ground = (x: number, y: number) => 90 + 40 * Math.sin(x / 3) + 20 * Math.cos(y / 5);
    const cover = (x: number, y: number) => {
      const inBar = (m: number) => x % 20 >= 4 + m && x % 20 < 14 - m && y >= 20 + m && y < 60 - m;
      return inBar(1) ? 1 : inBar(0) ? 0.5 : 0;
    };
    const { image, analysis } = scene((x, y) => {
      const s = cover(x, y);
      return [Math.round(0.3 * s * 255 + (1 - 0.3 * s) * ground(x, y)), s];
    });
    const checked = withoutNewSeams(image, analysis, 0.75);
    expect(checked.pieces).toBe(0);
    expect(checked.analysis).toBe(analysis);
  });
});

describe('withStrokesFrom', () => {
  it("drops a mesh's threads that joined a letter's strokes, and keeps the letter", () => {
    // A letter's two 12 px stems and bar; a mesh of 2 px threads every 10 px across the whole crop.
    const w = 100;
    const h = 80;
    const letter = (x: number, y: number) =>
      y >= 10 &&
      y < 70 &&
      ((x >= 20 && x < 32) || (x >= 60 && x < 72) || (y >= 34 && y < 46 && x < 72 && x >= 20));
    const thread = (x: number, y: number) => (x + 5) % 10 < 2 || (y + 5) % 10 < 2;
    const analysis = wholeCrop(
      w,
      h,
      (x, y) => [0, 0, letter(x, y) || thread(x, y) ? 1 : 0],
      0.4,
      [128, 128, 128],
    );
    const kept = withStrokesFrom(analysis, 5);
    const nearLetter = (x: number, y: number) => {
      for (let dy = -2; dy <= 2; dy++)
        for (let dx = -2; dx <= 2; dx++) if (letter(x + dx, y + dy)) return true;
      return false;
    };
    let letterKept = 0;
    let letterPixels = 0;
    let threadsKept = 0;
    let threadPixels = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const s = kept.coverage[y * w + x]!;
        if (letter(x, y)) {
          letterPixels++;
          if (s === 1) letterKept++;
        } else if (thread(x, y) && !nearLetter(x, y)) {
          threadPixels++;
          if (s > 0) threadsKept++;
        }
      }
    expect(letterKept / letterPixels).toBeGreaterThan(0.9);
    // Threads beyond the letter's rim go (stubs within 2 px of it stay, as any rim does; a few pixels where a
    // thread fills the letter's inner corner are as thick as a stroke there).
    expect(threadsKept).toBeLessThan(0.01 * threadPixels);
  });
});

describe('grownStrokes seeds', () => {
  it('grows from pixels the blend explains, not from a uniform patch that merely stands out from the median', () => {
    // White at α 0.26 over a median of 100 gives 140; a lit display at 160 beside the letter is no stroke, but
    // the first measurement clamped a speck of it to full coverage (a watch LCD among its dark digits).
    const w = 160;
    const h = 60;
    const letter = (x: number, y: number) => y >= 20 && y < 40 && x >= 10 && x < 60;
    const display = (x: number, y: number) => y >= 5 && y < 55 && x >= 80 && x < 150;
    const speck = (x: number, y: number) => x >= 110 && x < 113 && y >= 28 && y < 31;
    const analysis = wholeCrop(
      w,
      h,
      (x, y) => [
        letter(x, y) ? 0.26 * 255 + 0.74 * 100 : display(x, y) ? 160 : 100,
        100,
        (letter(x, y) && x < 30) || speck(x, y) ? 1 : 0,
      ],
      0.26,
      [255, 255, 255],
    );
    const grown = grownStrokes(analysis)!;
    let letterCovered = 0;
    let displayCovered = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const s = grown.coverage[y * w + x]!;
        if (letter(x, y) && s > 0.5) letterCovered++;
        if (display(x, y) && s > 0.5) displayCovered++;
      }
    expect(letterCovered).toBe(50 * 20);
    // The speck keeps what it was measured at; nothing grew from it.
    expect(displayCovered).toBe(9);
  });
});

describe('localStrokes', () => {
  it('finds strokes the first measurement missed, from the blend and the unmarked ring around them', () => {
    // A grey product with soft shading, grey text-like bars of a known blend across it. The analysis finds
    // the bars; then the bars over the right half are forgotten, as when the wide median took the product's
    // shading for the mark there. localStrokes must bring them back, and nothing between them.
    const clean = paint(400, 200, (x, y) => [
      170 + Math.round((40 * x) / 400),
      180 + Math.round((20 * y) / 200),
      185,
      255,
    ]);
    const marked: RawImage = { ...clean, data: Buffer.from(clean.data) };
    const bars = new Uint8Array(400 * 200);
    for (let y = 60; y < 150; y++)
      for (let x = 20; x < 380; x++) {
        if ((x - 20) % 30 >= 12) continue;
        const i = y * 400 + x;
        bars[i] = 1;
        for (let k = 0; k < 3; k++)
          marked.data[i * 4 + k] = Math.round(0.36 * 120 + 0.64 * clean.data[i * 4 + k]!);
      }
    const textHeight = 90;
    const region = {
      box: { x0: 10, y0: 50, x1: 390, y1: 160 },
      mask: new Uint8Array(380 * 110).fill(1),
      textHeight,
    };
    const full = analyseRegion(marked, region)!;
    const forgotten = full.coverage.slice();
    for (let y = 0; y < full.height; y++)
      for (let x = 0; x < full.width; x++) if (x + full.box.x0 >= 200) forgotten[y * full.width + x] = 0;
    const partial = { ...full, coverage: forgotten, strokePixels: 0 };
    const again = localStrokes(partial, textHeight)!;
    expect(again).not.toBeNull();
    let strokes = 0;
    let found = 0;
    let between = 0;
    let wrong = 0;
    for (let y = 64; y < 146; y++)
      for (let x = 204; x < 376; x++) {
        const covered = again.coverage[(y - again.box.y0) * again.width + (x - again.box.x0)]! > 0.5;
        if (bars[y * 400 + x]) {
          strokes++;
          if (covered) found++;
        } else {
          between++;
          if (covered) wrong++;
        }
      }
    expect(found / strokes).toBeGreaterThan(0.8);
    expect(wrong / between).toBeLessThan(0.05);
  });
});

describe('inpaintPatch', () => {
  it('continues a stripe texture into a hole, where a diffusion fill smears it', () => {
    const stripes = paint(120, 120, (x) => (x % 8 < 4 ? [30, 30, 30, 255] : [220, 220, 220, 255]));
    const hole = new Uint8Array(120 * 120);
    for (let y = 50; y < 66; y++) for (let x = 50; x < 66; x++) hole[y * 120 + x] = 1;
    const patched = Buffer.from(stripes.data);
    for (let i = 0; i < hole.length; i++) if (hole[i]) patched.fill(128, i * 4, i * 4 + 3);
    const diffused = diffusionFill(Buffer.from(patched), 120, 120, hole);
    const filled = inpaintPatch(
      patched,
      120,
      120,
      hole,
      { x0: 50, y0: 50, x1: 66, y1: 66 },
      { radius: 3, searchRadius: 40 },
    );
    expect(filled).toBe(256);
    const ours = psnrOn({ ...stripes, data: patched }, stripes, hole);
    const naive = psnrOn({ ...stripes, data: diffused }, stripes, hole);
    expect(ours).toBeGreaterThan(30);
    expect(ours).toBeGreaterThan(naive + 15);
  });
});

describe('latticeOf', () => {
  it('finds the two vectors of a tiled mark from some of its copies', () => {
    const region = { box: { x0: 0, y0: 0, x1: 1, y1: 1 }, mask: new Uint8Array(1), textHeight: 30 };
    const copies: Copy[] = [];
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 3; j++)
        if ((i + j) % 3 !== 1) copies.push({ cx: 100 + 220 * i + 40 * j, cy: 80 + 150 * j, region });
    const lattice = latticeOf(copies, 10)!;
    const lengths = lattice.map((v) => Math.hypot(v[0], v[1])).sort((a, b) => a - b);
    expect(lengths[0]).toBeCloseTo(Math.hypot(40, 150), 0);
    expect(lengths[1]).toBeCloseTo(220, 0);
  });
});

describe('textRegions', () => {
  /** A detector map (image scale 1) with text kernels at probability 0.9 over the given boxes. */
  function mapWith(...boxes: [number, number, number, number][]): TextMap {
    const width = 200;
    const height = 120;
    const prob = new Float32Array(width * height);
    for (const [x0, y0, x1, y1] of boxes)
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) prob[y * width + x] = 0.9;
    return { prob, width, height, scaleX: 1, scaleY: 1 };
  }
  const regionsOf = (map: TextMap) => textRegions(map, map.width, map.height, 0.3, 0.6, 4);

  it('joins touching lines of one size into one region', () => {
    const regions = regionsOf(mapWith([20, 30, 60, 50], [85, 30, 125, 50]));
    expect(regions).toHaveLength(1);
  });

  it('keeps a large line apart from the small print its grown region touches', () => {
    // A 20 px kernel (text ~34 px) and a 3 px kernel (text ~7 px) 10 px below it: the large one's unclip
    // reaches the small one, but an overlay letter over small print is two things to judge.
    const regions = regionsOf(mapWith([20, 30, 60, 50], [20, 60, 50, 63]));
    expect(regions).toHaveLength(2);
    const [big, small] = [...regions].sort((a, b) => b.textHeight - a.textHeight);
    expect(big!.textHeight).toBeGreaterThan(2 * small!.textHeight);
    // The small line's region still covers its kernel.
    const b = small!.box;
    expect(b.x0).toBeLessThanOrEqual(20);
    expect(b.y0).toBeLessThanOrEqual(60);
    expect(b.x1).toBeGreaterThanOrEqual(50);
    expect(b.y1).toBeGreaterThanOrEqual(63);
  });
});
