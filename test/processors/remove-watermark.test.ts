/**
 * remove_watermark on real product photos with known synthetic marks (shared/datasets/synthetic-watermarks:
 * watermarked JPEG, clean original, exact mask), scored as bench/eval-wm.ts does (issue 5):
 * - inside the mark grown by 3 px: PSNR(out, clean) − PSNR(in, clean);
 * - outside it: PSNR(out, in), which must stay ≥ 40 dB (the product's own print lies there).
 * Gain thresholds sit a few dB under what the processor reaches today (bench figures in the commit log), so
 * they catch a regression, not noise; the 40 dB outside bound is the rule, never relaxed.
 * The model comes from the registry package once, then from the cache.
 */
import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { IDENTICAL_DB, scoreRemoval } from '../../bench/watermark/metrics.js';
import { MediaStudioError } from '../../src/errors.js';
import { parseParams } from '../../src/processors/index.js';
import { removeWatermark } from '../../src/processors/remove-watermark.js';
import type { RawImage } from '../../src/processors/types.js';
import { borderColour, plainBackground } from '../../src/processors/watermark/classify-overlay.js';
import { huedPiecesAfloat } from '../../src/processors/watermark/detect-faint-text.js';
import { WORKING_PIXELS } from '../../src/processors/watermark/working-resolution.js';
import { datasetFile } from '../helpers/datasets.js';
import { decodeFile, useModels } from '../helpers/models.js';

/** PSNR outside the marks below which the product's own pixels count as changed (issue 5). */
const OUTSIDE_MIN_DB = 40;
const SET = 'synthetic-watermarks';

const models = useModels();
const decode = decodeFile;

async function markOf(name: string): Promise<Uint8Array> {
  const grey = await sharp(datasetFile(SET, 'masks', `${name}.png`))
    .greyscale()
    .raw()
    .toBuffer();
  return Uint8Array.from(grey, (v) => (v > 127 ? 1 : 0));
}

/**
 * Lays a line of bold text (DejaVu Sans Bold `size` px) on a photo in `colour` at `alpha`, centred at `atHeight`
 * of its height: the marked image and the mask of the pixels the text touches.
 */
async function withText(
  photo: RawImage,
  text: string,
  colour: readonly [number, number, number],
  alpha: number,
  atHeight: number,
  size = 40,
): Promise<{ image: RawImage; mask: Uint8Array }> {
  const { data: ink, info } = await sharp({ text: { text, font: `DejaVu Sans Bold ${size}`, dpi: 72 } })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const data = Buffer.from(photo.data);
  const mask = new Uint8Array(photo.width * photo.height);
  const x0 = Math.round((photo.width - info.width) / 2);
  const y0 = Math.round(atHeight * photo.height);
  for (let y = 0; y < info.height; y++)
    for (let x = 0; x < info.width; x++) {
      const a = (alpha * ink[y * info.width + x]!) / 255;
      if (a <= 0) continue;
      const i = (y0 + y) * photo.width + x0 + x;
      mask[i] = 1;
      for (let k = 0; k < 3; k++) data[4 * i + k] = Math.round(a * colour[k]! + (1 - a) * data[4 * i + k]!);
    }
  return { image: { ...photo, data }, mask };
}

/**
 * Lays a text on a photo diagonally (`angle` degrees), tiled every `step` pixels with alternate rows shifted by
 * half a step, in `colour` at `alpha`, set in DejaVu Sans Bold `size` px: the marked image and the mask of the
 * pixels it touches.
 */
async function withTiledText(
  photo: RawImage,
  text: string,
  colour: [number, number, number],
  alpha: number,
  angle: number,
  step: [number, number],
  size = 34,
): Promise<{ image: RawImage; mask: Uint8Array }> {
  const { data: ink, info } = await sharp({ text: { text, font: `DejaVu Sans Bold ${size}`, dpi: 72 } })
    .greyscale()
    .rotate(-angle, { background: '#000' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const data = Buffer.from(photo.data);
  const mask = new Uint8Array(photo.width * photo.height);
  for (let row = 0, y0 = -info.height; y0 < photo.height; row++, y0 += step[1])
    for (let x0 = -info.width + (row % 2) * (step[0] >> 1); x0 < photo.width; x0 += step[0])
      for (let y = Math.max(0, -y0); y < info.height && y0 + y < photo.height; y++)
        for (let x = Math.max(0, -x0); x < info.width && x0 + x < photo.width; x++) {
          const a = (alpha * ink[y * info.width + x]!) / 255;
          if (a <= 0) continue;
          const i = (y0 + y) * photo.width + x0 + x;
          mask[i] = 1;
          for (let k = 0; k < 3; k++)
            data[4 * i + k] = Math.round(a * colour[k]! + (1 - a) * data[4 * i + k]!);
        }
  return { image: { ...photo, data }, mask };
}

/**
 * Lays an RGBA logo (shared/datasets/watermarks/logos) `side` pixels wide on a photo at (x0, y0) with its own
 * alpha times `opacity`, then passes it through JPEG at quality 92 as the synthetic sets are stored: the marked
 * image and the mask where the logo's alpha is above 3 %.
 */
async function withLogo(
  photo: RawImage,
  file: string,
  opacity: number,
  side: number,
  [x0, y0]: [number, number],
): Promise<{ image: RawImage; mask: Uint8Array }> {
  const { data: logo, info } = await sharp(datasetFile('watermarks', 'logos', file))
    .ensureAlpha()
    .resize(side)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const data = Buffer.from(photo.data);
  const mask = new Uint8Array(photo.width * photo.height);
  for (let y = 0; y < info.height; y++)
    for (let x = 0; x < info.width; x++) {
      const j = 4 * (y * info.width + x);
      const a = (opacity * logo[j + 3]!) / 255;
      if (a <= 0.03) continue;
      const i = (y0 + y) * photo.width + x0 + x;
      mask[i] = 1;
      for (let k = 0; k < 3; k++) data[4 * i + k] = Math.round(a * logo[j + k]! + (1 - a) * data[4 * i + k]!);
    }
  const jpeg = await sharp(data, { raw: { width: photo.width, height: photo.height, channels: 4 } })
    .jpeg({ quality: 92 })
    .toBuffer();
  const { data: marked } = await sharp(jpeg).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { image: { ...photo, data: marked }, mask };
}

/**
 * A logo (shared/datasets/watermarks/logos) laid at `opacity` on a photo, `share` of its short side across
 * at `at`, removed and scored against the photo.
 */
async function logoRemoved(
  photoFile: string,
  logo: string,
  opacity: number,
  share: number,
  at: [number, number],
) {
  const photo = await decode(photoFile);
  const side = Math.round(share * Math.min(photo.width, photo.height));
  const { image, mask } = await withLogo(photo, logo, opacity, side, at);
  const result = await removeFrom(image);
  return { result, score: scoreRemoval(image, result.image, photo, mask) };
}

async function removeFrom(image: RawImage, params: unknown = {}) {
  return removeWatermark.run(image, parseParams(removeWatermark, params), {
    maxSidePx: 10_000,
    models: models(),
  });
}

/** A synthetic set's marked photo, its clean original and its mark, scaled to `width` (the mark by nearest). */
async function enlarged(name: string, width: number) {
  const scaled = async (folder: string, file: string) => {
    const { data, info } = await sharp(datasetFile(SET, folder, file))
      .resize({ width, kernel: folder === 'masks' ? 'nearest' : 'lanczos3' })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: 4 as const };
  };
  const marked = await scaled('watermarked', `${name}.jpg`);
  // Saved as a supplier would, after the enlargement.
  const jpeg = await sharp(marked.data, { raw: marked }).jpeg({ quality: 92 }).toBuffer();
  const image = { ...marked, data: await sharp(jpeg).ensureAlpha().raw().toBuffer() };
  const mask = await scaled('masks', `${name}.png`);
  return {
    image,
    clean: await scaled('clean', `${name}.png`),
    mask: Uint8Array.from({ length: image.width * image.height }, (_, i) =>
      mask.data[4 * i]! > 127 ? 1 : 0,
    ),
  };
}

describe('remove_watermark', () => {
  it.each([
    // name, what it guards, least in-mark gain (dB)
    ['magento_ug04-bk-0_corner', 'a grey name in the corner of a studio shot', 15],
    // 6.4 dB before a mark opaque enough to inpaint was inpainted whole rather than its rim un-blended.
    ['tshirt_photo_16_corner', 'a near-opaque white name over a stone wall, inpainted', 8.5],
    // Tiled: 11.4 and 7.8 dB before the copies over the product were found with the mark's template.
    // Its copies lie between pixels (steps of 99.0 × 171.5 px): folded to whole pixels they scored 13.5 dB,
    // each read at its own phase 19.7.
    ['magento_ug06-lb-0_tiled', 'a tiled diagonal name over product and background', 17],
    // A grey mark over a white backdrop and a navy bag: its lattice is found only in the detail seen against
    // grey (9.6 dB through templates before, 17.1 now).
    ['magento_mb01-blue-0_tiled', 'a tiled "PROOF ONLY" over a navy bag and its straps', 14],
    // 8.7 dB before two layers were removed where one line's end overlaps the next one's start.
    ['tshirt_solid_18_tiled', 'a tiled URL whose copies overlap, over a dark T-shirt', 10.5],
    ['magento_lt01_center', 'a URL across a DVD cover whose own title and text stay', 6],
    // 12.9 dB before the letters were grown from where they were measured over the handles.
    ['magento_ug01-bk-0_center', 'a large grey "SAMPLE" across a skipping rope\'s black handles', 13],
    // 10.0 dB before the letters were grown from where they were measured along the bottles (grow-strokes.ts).
    ['bottles_1_solid_3_center', 'a grey name across two bottles with their own print', 10.5],
    // 4.1 dB before the part of the icon beyond the search box was searched for and the icon's solid strokes
    // gave its blend (the thin letters' JPEG-smeared green is weaker and greyer than the mark's).
    [
      'magento_mb03-black-0_logo',
      'a green stamp: its name found as text, its bottle icon by the same blend',
      12,
    ],
  ])('restores under %s (%s) and leaves the rest alone', async (name, _what, minGain) => {
    const input = await decode(datasetFile(SET, 'watermarked', `${name}.jpg`));
    const clean = await decode(datasetFile(SET, 'clean', `${name}.png`));
    const result = await removeFrom(input);
    const score = scoreRemoval(input, result.image, clean, await markOf(name));
    expect(score.gainDb).toBeGreaterThanOrEqual(minGain);
    expect(score.outsideDb).toBeGreaterThanOrEqual(OUTSIDE_MIN_DB);
    expect(result.metadata.watermark_detected).toBe(true);
    expect(result.metadata.share_of_image).toBeGreaterThan(0);
    expect(result.metadata.residual).toBeLessThan(0.5);
    const regions = result.metadata.regions as {
      bbox: number[];
      kind: string;
      confidence: number;
      reason: string;
    }[];
    expect(regions.length).toBeGreaterThan(0);
    for (const r of regions) {
      expect(r.bbox).toHaveLength(4);
      expect(['text', 'tiled']).toContain(r.kind);
      expect(r.confidence).toBeGreaterThan(0);
      // An untiled mark is not one tiled over the whole image: the DVD cover's repeated print once passed for
      // one, its ink weighed at half resolution (residual 0.506).
      if (!name.endsWith('_tiled')) expect(r.reason).not.toMatch(/^one mark tiled/);
    }
  });

  it.each([
    // name, what it guards, least in-mark gain (dB): 10.8, 9.2 and 8.0 today; 0.0 by default (7.3, 0.0 and
    // 5.4 with find_logos) before line screens were looked for.
    ['magento_ms01-blue_main_logo', 'a stamp of white lines across an arm and a navy shirt', 8],
    ['magento_wg02-bk-0_logo', "a stamp of white lines over a watch's dark face and steel case", 6.5],
    [
      'cap_red_1_sweep_9_logo',
      'a stamp of white lines over the grey sweep and a red cap with its own print',
      5.5,
    ],
  ])(
    'restores the line-screen stamp in %s (%s), which holds no text the detector sees',
    async (name, _what, minGain) => {
      const input = await decode(datasetFile(SET, 'watermarked', `${name}.jpg`));
      const clean = await decode(datasetFile(SET, 'clean', `${name}.png`));
      const result = await removeFrom(input);
      const score = scoreRemoval(input, result.image, clean, await markOf(name));
      expect(score.gainDb).toBeGreaterThanOrEqual(minGain);
      expect(score.outsideDb).toBeGreaterThanOrEqual(OUTSIDE_MIN_DB);
      expect(result.metadata.watermark_detected).toBe(true);
      const regions = result.metadata.regions as { kind: string; confidence: number; reason: string }[];
      expect(regions.length).toBeGreaterThan(0);
      for (const r of regions) {
        expect(r.kind).toBe('line_screen');
        expect(r.confidence).toBeGreaterThan(0.6);
        expect(r.reason).toMatch(/every 3 px \(rows\)/);
      }
    },
  );

  it('with find_logos, finds a solid white stamp logo laid over the grey sweep and a red cap', async () => {
    // The copyright stamp (shared/datasets/watermarks/logos) at 35 % white over the clean photo, as a supplier
    // would stamp it; the text detector sees nothing in it.
    const clean = await decode(datasetFile(SET, 'clean', 'cap_red_1_sweep_9_logo.png'));
    const side = Math.round(0.35 * Math.min(clean.width, clean.height));
    const stamp = await sharp(datasetFile('watermarks', 'logos', 'logo_copyright_stamp_alpha.png'))
      .resize(side, side)
      .greyscale()
      .raw()
      .toBuffer();
    const [x0, y0] = [clean.width - side - 20, Math.round(0.2 * clean.height)];
    const data = Buffer.from(clean.data);
    const mark = new Uint8Array(clean.width * clean.height);
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++) {
        const a = (0.35 * stamp[y * side + x]!) / 255;
        if (a <= 0.03) continue;
        const i = (y + y0) * clean.width + x + x0;
        mark[i] = 1;
        for (let k = 0; k < 3; k++) data[i * 4 + k] = Math.round(255 * a + (1 - a) * clean.data[i * 4 + k]!);
      }
    const input: RawImage = { ...clean, data };
    // Without the opt-in the stamp stays: the text detector has nothing to go on.
    expect((await removeFrom(input)).image).toBe(input);
    const result = await removeFrom(input, { find_logos: true });
    const score = scoreRemoval(input, result.image, clean, mark);
    // 8.2 dB today.
    expect(score.gainDb).toBeGreaterThanOrEqual(6);
    expect(score.outsideDb).toBeGreaterThanOrEqual(OUTSIDE_MIN_DB);
    const regions = result.metadata.regions as { kind: string; opacity: number; colour: number[] }[];
    expect(regions.map((r) => r.kind)).toEqual(['logo']);
    // The blend it was laid on with.
    expect(regions[0]!.opacity).toBeGreaterThan(0.3);
    expect(regions[0]!.opacity).toBeLessThan(0.4);
    expect(Math.min(...regions[0]!.colour)).toBeGreaterThan(240);
  });

  it.each([
    ['magento_mb05-black-0_none', 'a bag on white, no print'],
    ['bottles_1_photo_1_none', 'bottles with their brand print on a photographed background'],
  ])('returns %s (%s) unchanged, bit for bit, also when looking for logos', async (name) => {
    const input = await decode(datasetFile(SET, 'watermarked', `${name}.jpg`));
    const result = await removeFrom(input, { find_logos: true });
    expect(result.image).toBe(input);
    expect(Buffer.compare(result.image.data, input.data)).toBe(0);
    expect(result.metadata.watermark_detected).toBe(false);
    expect(scoreRemoval(input, result.image, null, null).outsideDb).toBe(IDENTICAL_DB);
  });

  it.each(readdirSync(datasetFile('product-composites', 'images')).filter((f) => f.endsWith('.jpg')))(
    'returns the clean product photo %s (brand print on photo, solid and sweep backgrounds) unchanged, also when looking for logos',
    async (file) => {
      const input = await decode(datasetFile('product-composites', 'images', file));
      const result = await removeFrom(input, { find_logos: true });
      expect(result.image).toBe(input);
    },
  );

  it.each(readdirSync(datasetFile('products', 'images')).filter((f) => f.startsWith('magento_')))(
    "returns the clean studio shot %s unchanged (a watch LCD's digits repeat closer than copies of a mark)",
    async (file) => {
      // magento_mg01-bk-0 came back at 31.5 dB: pairs of digits sharing one dark blend were taken for copies.
      const input = await decode(datasetFile('products', 'images', file));
      expect((await removeFrom(input)).image).toBe(input);
    },
  );

  it('removes a coloured name floating on open white ground beside the product', async () => {
    const photo = await decode(datasetFile('products', 'images', 'magento_mb05-black-0.jpg'));
    const { image, mask } = await withText(photo, 'Best advice for all situations', [120, 200, 60], 0.4, 0.9);
    const result = await removeFrom(image);
    expect(result.metadata.watermark_detected).toBe(true);
    const score = scoreRemoval(image, result.image, photo, mask);
    expect(score.outsideDb).toBeGreaterThanOrEqual(OUTSIDE_MIN_DB);
    // A green line floating on white was print-like to the classifier until its ground all round counted.
    expect(score.gainDb).toBeGreaterThan(8);
  });

  // Today 27.6 / 24.6 / 26.7 dB. Before the backdrop fill the first left the icon's fringes and the letters'
  // rims (18.0 dB); before the second look at the backdrop the other two were not found at all (0 dB).
  it.each([
    [0.3, 0.35, 24, 'its icon and caption found, the icon beside the text'],
    [0.3, 0.2, 20, 'its small caption too faint for the first look'],
    [0.25, 0.3, 20, 'its small caption too faint for the first look'],
  ])(
    'restores a pale green stamp logo %s of the short side at %s on the white backdrop whole (> %s dB): %s',
    async (share, opacity, minGainDb) => {
      const photo = await decode(datasetFile('products', 'images', 'magento_ub02-black-0.jpg'));
      const side = Math.round(share * Math.min(photo.width, photo.height));
      const at: [number, number] = [40, photo.height - side - 10];
      const { image, mask } = await withLogo(photo, 'logo_pymatting_rgba.png', opacity, side, at);
      const result = await removeFrom(image);
      const score = scoreRemoval(image, result.image, photo, mask);
      expect(score.outsideDb).toBeGreaterThanOrEqual(OUTSIDE_MIN_DB);
      expect(score.gainDb).toBeGreaterThan(minGainDb);
      expect(result.metadata.pieces_afloat).toBeGreaterThan(0);
    },
  );

  // No single blend explains a seal in two colours (a pink rim, white lettering): before stamp-afloat.ts such
  // seals on the backdrop were left whole (0 dB).
  it.each([
    ['logo_authentic_stamp.png', 0.45, 40],
    ['logo_copyright_stamp_small.png', 0.35, 440],
    ['logo_authentic_stamp.png', 0.3, 820],
  ] as const)(
    'restores a two-coloured seal (%s at %s) laid on the backdrop apart from the product',
    async (file, opacity, x0) => {
      // The bag fills the frame down to y = 1078 of 1340: the seals lie in the band below it.
      const photo = await decode(datasetFile('products', 'images', 'magento_mb05-black-0.jpg'));
      const side = Math.round(0.2 * Math.min(photo.width, photo.height));
      const { image, mask } = await withLogo(photo, file, opacity, side, [x0, photo.height - side - 20]);
      const result = await removeFrom(image);
      const score = scoreRemoval(image, result.image, photo, mask);
      expect(score.outsideDb).toBeGreaterThanOrEqual(OUTSIDE_MIN_DB);
      expect(score.gainDb).toBeGreaterThan(20);
      const reasons = (result.metadata.regions as { reason: string }[]).map((r) => r.reason);
      expect(reasons).toContain('a pale hued stamp on the backdrop, apart from the product');
    },
  );

  // A photo above 2.5 MP is worked on at 1.5 MP and the restoration carried back (working-resolution.ts). At its
  // own 5 MP this tiled URL came out worse than it went in (−1.2 dB, 55 s); worked on scaled down, 19.7 dB.
  it('restores a tiled mark on a 5 MP photo at the working resolution, and reports full-size regions', async () => {
    const { image, clean, mask } = await enlarged('tshirt_solid_18_tiled', 2000);
    const result = await removeFrom(image);
    const score = scoreRemoval(image, result.image, clean, mask);
    expect(score.gainDb).toBeGreaterThan(12);
    expect(score.outsideDb).toBeGreaterThanOrEqual(OUTSIDE_MIN_DB);
    const [w, h] = result.metadata.working_size as number[];
    expect(w! * h!).toBeLessThanOrEqual(WORKING_PIXELS * 1.01);
    const tiled = (result.metadata.regions as { kind: string; bbox: number[] }[]).find(
      (r) => r.kind === 'tiled',
    );
    expect(tiled?.bbox).toEqual([0, 0, image.width, image.height]);
  });

  it('returns a clean 5 MP photo unchanged, bit for bit, though worked on scaled down', async () => {
    const { clean } = await enlarged('magento_ug04-bk-0_corner', 2000);
    const result = await removeFrom(clean);
    expect(result.metadata.watermark_detected).toBe(false);
    expect(Buffer.compare(result.image.data, clean.data)).toBe(0);
  });

  // The seal's pale tint is close enough to white for the backdrop's flood to pass over it: before it was
  // filled with the rest, the restored seal still differed from the photo by up to 9 levels (6 now).
  it('restores a seal on the backdrop to within a few levels of the photo, its pale tint too', async () => {
    const photo = await decode(datasetFile('products', 'images', 'magento_mb05-black-0.jpg'));
    const side = Math.round(0.2 * Math.min(photo.width, photo.height));
    const at: [number, number] = [40, photo.height - side - 20];
    const { image, mask } = await withLogo(photo, 'logo_authentic_stamp.png', 0.45, side, at);
    const result = await removeFrom(image);
    let worst = 0;
    for (let i = 0; i < mask.length; i++)
      for (let k = 0; mask[i] && k < 3; k++)
        worst = Math.max(worst, Math.abs(result.image.data[4 * i + k]! - photo.data[4 * i + k]!));
    expect(worst).toBeLessThanOrEqual(7);
  });

  // A seal on the backdrop above a red mug's rim, its lower edge touching the mug: filled from everything in
  // reach, the mug's red tinted the seal's middle pink (1.5 dB). Filled from the backdrop alone, 5.1 dB: the
  // part joined to the mug is not afloat and stays.
  it('fills a seal beside a red mug from the backdrop alone', async () => {
    const photo = datasetFile('product-composites', 'images', 'mug_set_solid_13.jpg');
    const { score } = await logoRemoved(photo, 'logo_authentic_stamp.png', 0.45, 0.22, [920, 60]);
    expect(score.outsideDb).toBeGreaterThanOrEqual(OUTSIDE_MIN_DB);
    expect(score.gainDb).toBeGreaterThan(4);
  });

  // A seal in one ink half over the backdrop, half over the product joins the product's island and fits no
  // text line's blend: before hued-stamp.ts it was left whole (0 dB).
  it.each([
    [0.45, [150, 800]],
    [0.3, [700, 900]],
  ] as const)(
    'restores a red seal at %s that crosses from the backdrop onto a black bag, at %s',
    async (opacity, at) => {
      // The bag's lower edge runs from (145, 900) down to (800, 1078): both seals lie across it.
      const photo = await decode(datasetFile('products', 'images', 'magento_mb05-black-0.jpg'));
      const side = Math.round(0.25 * Math.min(photo.width, photo.height));
      const { image, mask } = await withLogo(photo, 'logo_authentic_stamp.png', opacity, side, [
        at[0],
        at[1],
      ]);
      const result = await removeFrom(image);
      const score = scoreRemoval(image, result.image, photo, mask);
      expect(score.outsideDb).toBeGreaterThanOrEqual(OUTSIDE_MIN_DB);
      expect(score.gainDb).toBeGreaterThan(12);
      const regions = result.metadata.regions as { reason: string; opacity?: number }[];
      const seal = regions.find((r) => r.reason.startsWith('a stamp in one ink crossing'));
      expect(seal?.opacity).toBeCloseTo(opacity, 1);
    },
  );

  it('restores a green logo whose caption lines cross from the backdrop onto a black bag, all its pieces', async () => {
    // The icon, the name and the slogan lie apart, further than the strokes of a seal: one stamp all the same.
    // 2.8 dB before hued-stamp.ts, 6.5 with it: the icon over the fabric is left faint, as the ink fitted
    // (159, 255, 57 at 0.33) is paler and thinner than the logo's (135, 255, 26 at 0.4).
    const photo = datasetFile('products', 'images', 'magento_mb05-black-0.jpg');
    const { score } = await logoRemoved(photo, 'logo_pymatting_rgba.png', 0.4, 0.3, [120, 760]);
    expect(score.outsideDb).toBeGreaterThanOrEqual(OUTSIDE_MIN_DB);
    expect(score.gainDb).toBeGreaterThan(5);
  });

  // Hued and read as text like a seal, but solid: print, whose red is no tint of what lies under it.
  it.each([
    ['sale tag beside the product', 'SALE', [40, 1180]],
    // Crossing from the backdrop onto the bag like the seals above.
    ['label across the edge of the product', 'BRAND', [60, 850]],
  ] as const)(
    'leaves an opaque red %s, with white lettering, as it is',
    async (_where, text, [left, top]) => {
      const photo = await decode(datasetFile('products', 'images', 'magento_mb05-black-0.jpg'));
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="120">
      <rect width="300" height="120" rx="14" fill="#c81e28"/>
      <text x="150" y="80" font-family="DejaVu Sans" font-weight="bold" font-size="52" fill="#fff"
        text-anchor="middle">${text}</text></svg>`;
      const { data } = await sharp(photo.data, {
        raw: { width: photo.width, height: photo.height, channels: 4 },
      })
        .composite([{ input: Buffer.from(svg), left, top }])
        .raw()
        .toBuffer({ resolveWithObject: true });
      const image = { ...photo, data };
      const result = await removeFrom(image);
      expect(result.metadata.text_regions).toBeGreaterThan(0);
      expect(Buffer.compare(result.image.data, image.data)).toBe(0);
    },
  );

  it("leaves a watch's LCD print alone, which fits a dense dark blend, when a pale logo lies beside the watch", async () => {
    const photo = await decode(datasetFile('products', 'images', 'magento_wg03-sa-0.jpg'));
    const side = Math.round(0.25 * Math.min(photo.width, photo.height));
    const at: [number, number] = [photo.width - side - 30, photo.height - side - 10];
    const { image, mask } = await withLogo(photo, 'logo_pymatting_rgba.png', 0.35, side, at);
    const result = await removeFrom(image);
    const score = scoreRemoval(image, result.image, photo, mask);
    // The LCD fitted at 0.58 and was taken while 0.6 was the densest mark accepted over the product: 36.3 dB
    // outside and 0.0 dB gain; today 80.8 and 2.0 (the logo's caption; its icon touches the strap).
    expect(score.outsideDb).toBeGreaterThanOrEqual(OUTSIDE_MIN_DB);
    expect(score.gainDb).toBeGreaterThan(1);
  });

  it('looks at the backdrop a second time only where something hued floats on it', async () => {
    const photo = await decode(datasetFile('products', 'images', 'magento_ub02-black-0.jpg'));
    const side = Math.round(0.3 * Math.min(photo.width, photo.height));
    const { image } = await withLogo(photo, 'logo_pymatting_rgba.png', 0.2, side, [
      40,
      photo.height - side - 10,
    ]);
    const afloat = (im: RawImage) => {
      const plain = plainBackground(im, 3);
      return plain !== null && huedPiecesAfloat(im, plain, borderColour(im));
    };
    expect(afloat(photo)).toBe(false);
    expect(afloat(image)).toBe(true);
  });

  it('does no harm where bold white tiled text over a dark textured ball reads as a dark mark in some regions', async () => {
    // The median under bold light letters takes their level, and the gaps between them fit a dark blend there;
    // two such regions once passed for copies of a dark mark and were "restored" (−2.9 dB, 31.7 dB outside).
    const photo = await decode(datasetFile('products', 'images', 'magento_ug07-bk-0.jpg'));
    const { image, mask } = await withTiledText(photo, 'draft-0937', [255, 255, 255], 0.25, 35, [320, 160]);
    const result = await removeFrom(image);
    const score = scoreRemoval(image, result.image, photo, mask);
    expect(score.outsideDb).toBeGreaterThanOrEqual(OUTSIDE_MIN_DB);
    expect(score.gainDb).toBeGreaterThanOrEqual(0);
  });

  it.each([
    // White on white is invisible: every copy the detector could measure lies over the bag, none on plain ground.
    [
      'a white mark over a grey bag',
      'products',
      'magento_mb02-gray-0.jpg',
      [255, 255, 255],
      0.3,
      [344, 218],
      35,
      34,
      8,
    ],
    [
      'a black mark over a grey bag',
      'products',
      'magento_mb02-gray-0.jpg',
      [0, 0, 0],
      0.22,
      [376, 224],
      35,
      34,
      8,
    ],
    // Over a pale sweep and a black T-shirt, folded as white, the strokes found are the bright halo the local
    // mean leaves around the dark letters. Weighed over the letters whole the mark darkens (taken for white, the
    // 50 px one was restored to 2.1 dB), and folded again as black its strokes are the letters (the 40 px one
    // was restored to 14.8 dB from the halo and its rim).
    [
      'a bold black mark over a pale sweep',
      'product-composites',
      'tshirt_sweep_19.jpg',
      [0, 0, 0],
      0.3,
      [258, 189],
      32,
      50,
      12,
    ],
    [
      'a faint black mark over a pale sweep',
      'product-composites',
      'tshirt_sweep_19.jpg',
      [0, 0, 0],
      0.2,
      [258, 189],
      28,
      40,
      25,
    ],
  ] as const)(
    'restores %s tiled on a lattice, from all its copies at once, in its own ink',
    async (_, set, file, colour, alpha, step, angle, size, minGainDb) => {
      const photo = await decode(datasetFile(set, 'images', file));
      const { image, mask } = await withTiledText(
        photo,
        'draft-0937',
        [...colour],
        alpha,
        angle,
        [...step],
        size,
      );
      const result = await removeFrom(image);
      const score = scoreRemoval(image, result.image, photo, mask);
      expect(score.gainDb).toBeGreaterThan(minGainDb);
      expect(score.outsideDb).toBeGreaterThanOrEqual(OUTSIDE_MIN_DB);
      const regions = result.metadata.regions as { kind: string; reason: string; colour: number[] }[];
      const lattice = regions.find((r) => r.kind === 'tiled' && r.reason.startsWith('one mark tiled'));
      expect(lattice?.colour).toEqual([...colour]);
    },
  );

  it('removes a shop name laid over a tiled mark too, whose copies cross its letters', async () => {
    // The lines read on the tiled copies are not all copies: a name laid over them is read again on the
    // restored image. Taking the lines read before, less those the tiled mark's restoration changed, for all
    // there was to read left the name (on two of three such pictures).
    const photo = await decode(datasetFile('products', 'images', 'magento_mb02-gray-0.jpg'));
    const tiled = await withTiledText(photo, 'draft-0937', [255, 255, 255], 0.3, 35, [344, 218]);
    const { image, mask } = await withText(tiled.image, 'SHOPNAME.COM', [0, 0, 0], 0.5, 0.85);
    const result = await removeFrom(image);
    const regions = result.metadata.regions as { kind: string; reason: string }[];
    expect(regions.some((r) => r.kind === 'tiled' && r.reason.startsWith('one mark tiled'))).toBe(true);
    // Inside the name's mask against the photo: 10.3 dB with both marks restored.
    const score = scoreRemoval(image, result.image, photo, mask);
    expect(score.gainDb).toBeGreaterThan(6);
    expect(regions.some((r) => r.kind === 'text')).toBe(true);
  });

  it('restores the copies of a tiled mark over the product with the template of one on plain ground', async () => {
    // "PROOF ONLY" over a navy bag, cropped to 800 × 800 px: 7.5 copies, too few for the lattice's medians
    // (the whole picture's 17 go that way), so the template path restores them.
    const name = 'magento_mb01-blue-0_tiled';
    const { data, info } = await sharp(datasetFile(SET, 'watermarked', `${name}.jpg`))
      .extract({ left: 200, top: 100, width: 800, height: 800 })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const input: RawImage = { data, width: info.width, height: info.height, channels: 4 };
    const result = await removeFrom(input);
    expect(result.metadata.template_copies).toBeGreaterThan(0);
    const regions = result.metadata.regions as { reason: string; bbox: number[] }[];
    expect(regions.some((r) => r.reason.startsWith('one mark tiled every'))).toBe(false);
    const fromTemplate = regions.filter((r) => r.reason === "a copy of the tiled mark's template");
    expect(fromTemplate.length).toBe(result.metadata.template_copies);
    // Some of them lie over the bag (the middle third of the crop), where the detector read nothing.
    expect(
      fromTemplate.some(
        (r) =>
          r.bbox[0]! + r.bbox[2]! / 2 > input.width / 3 &&
          r.bbox[0]! + r.bbox[2]! / 2 < (2 * input.width) / 3,
      ),
    ).toBe(true);
  });

  it('leaves a watch display and its printed bezel text alone, also when looking for logos', async () => {
    // The LCD digits fit a dense dark blend; print must not be taken for an overlay.
    const name = 'magento_wg02-bk-0_logo';
    const input = await decode(datasetFile(SET, 'watermarked', `${name}.jpg`));
    const result = await removeFrom(input, { find_logos: true });
    expect(scoreRemoval(input, result.image, null, await markOf(name)).outsideDb).toBeGreaterThanOrEqual(
      OUTSIDE_MIN_DB,
    );
  });

  it('judges a large overlay line apart from the smaller print it touches (two bottles under a grey name)', async () => {
    // Joined into one region, the bottle's print below the name was un-blended with it: 43.3 dB outside, gain
    // 8.8 dB; judged apart, the print is kept (50.2 dB) and the name's own fit is tighter (9.6 dB).
    const name = 'bottles_1_solid_3_center';
    const input = await decode(datasetFile(SET, 'watermarked', `${name}.jpg`));
    const clean = await decode(datasetFile(SET, 'clean', `${name}.png`));
    const result = await removeFrom(input);
    const score = scoreRemoval(input, result.image, clean, await markOf(name));
    expect(score.outsideDb).toBeGreaterThanOrEqual(47);
    expect(score.gainDb).toBeGreaterThanOrEqual(8);
  });

  it('takes the rest of a large text line the detector saw one letter of (a grey "SAMPLE" across a skipping rope)', async () => {
    // PP-OCRv4 finds only the E; the other letters share its blend and its line. In-mark gain 1.45 dB with the E
    // alone, 12.9 with the line; the rope's handles the letters cross stay (outside 45.5 dB).
    const name = 'magento_ug01-bk-0_center';
    const input = await decode(datasetFile(SET, 'watermarked', `${name}.jpg`));
    const clean = await decode(datasetFile(SET, 'clean', `${name}.png`));
    const result = await removeFrom(input);
    const score = scoreRemoval(input, result.image, clean, await markOf(name));
    expect(score.gainDb).toBeGreaterThanOrEqual(9);
    expect(score.outsideDb).toBeGreaterThanOrEqual(OUTSIDE_MIN_DB);
    expect(result.metadata.pieces_along_line).toBeGreaterThanOrEqual(4);
  });

  it('keeps the light product beside a white mark (real pair: a grey shoe crop under "fotolia")', async () => {
    // A white blend also explains a light product's own highlights; only coloured marks are extended, and a line
    // only beyond the regions the detector gave (inside them, the line's search took the shoe: outside 28.6 dB).
    const name = 'tinygray_2fotolia_wm';
    const input = await decode(datasetFile('watermarks', 'images', `${name}.png`));
    const clean = await decode(datasetFile('watermarks', 'clean', `${name}.png`));
    const mark = new Uint8Array(input.width * input.height);
    for (let i = 0; i < mark.length; i++)
      mark[i] = Math.abs(input.data[i * 4]! - clean.data[i * 4]!) > 6 ? 1 : 0;
    const result = await removeFrom(input);
    const score = scoreRemoval(input, result.image, clean, mark);
    // 37.7 dB today (the faint halo around the letters lies outside the derived mask); 25.7 when extended.
    expect(score.outsideDb).toBeGreaterThanOrEqual(35);
    expect(score.gainDb).toBeGreaterThan(0);
  });

  // Grey names the backdrop's test had kept as print, floating on it now; each with the gain it reaches today.
  it.each([
    [
      'a grey name floating on a lit studio sweep, which is no one colour, and keeps the bottles',
      {
        // The sweep runs from light grey at the top to darker below: `plainBackground` finds no one colour there,
        // so the name could not float on it and was kept as print (gain 0). The graded backdrop follows the ramp:
        // gain 22.1 dB.
        set: 'product-composites',
        file: 'bottles_1_sweep_4.jpg',
        graded: true,
        text: 'SAMPLE COPY',
        colour: [123, 123, 125],
        alpha: 0.35,
        atHeight: 0.82,
        size: 40,
        minGain: 10,
      },
    ],
    [
      'a bold grey "SAMPLE" from the backdrop beside a foam roller, letters too wide for the flood',
      {
        // The flood that finds the white backdrop stops at each letter's edge: pixel by pixel the strokes lay a
        // third on the backdrop, and the line was kept as print (gain 0). Letter by letter, by the ground around
        // each, they lie on it, and un-blending them gives back the backdrop's white: gain 7.6 dB, outside 62.5.
        set: 'products',
        file: 'magento_luma-foam-roller.jpg',
        graded: false,
        text: 'SAMPLE',
        colour: [128, 128, 128],
        alpha: 0.36,
        atHeight: 0.35,
        size: 120,
        minGain: 6,
      },
    ],
  ] as const)(
    'removes %s',
    async (_what, { set, file, graded, text, colour, alpha, atHeight, size, minGain }) => {
      const photo = await decode(datasetFile(set, 'images', file));
      if (graded) expect(plainBackground(photo, 3)).toBeNull();
      const { image, mask } = await withText(photo, text, colour, alpha, atHeight, size);
      const result = await removeFrom(image);
      const score = scoreRemoval(image, result.image, photo, mask);
      expect(score.gainDb).toBeGreaterThanOrEqual(minGain);
      expect(score.outsideDb).toBeGreaterThanOrEqual(OUTSIDE_MIN_DB);
      const reasons = (result.metadata.regions as { reason: string }[]).map((r) => r.reason);
      expect(reasons).toContain('floats on the plain background');
    },
  );

  it('removes an opaque ID set in the corner of the plain margin, as stock previews carry, and keeps the product', async () => {
    // Too dense to un-blend (α ≈ 1), it was refused as a blend that does not fit; small, neutral, in a corner
    // and over flat ground, it is a credit, and the ground is inpainted back under it (93.7 dB today: the margin
    // is pure white).
    const photo = await decode(datasetFile('products', 'images', 'magento_mb05-black-0.jpg'));
    const { data: ink, info } = await sharp({
      text: { text: '#168667490', font: 'DejaVu Sans Bold 16', dpi: 72 },
    })
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const data = Buffer.from(photo.data);
    const mask = new Uint8Array(photo.width * photo.height);
    const x0 = photo.width - info.width - 12;
    const y0 = photo.height - info.height - 10;
    for (let y = 0; y < info.height; y++)
      for (let x = 0; x < info.width; x++) {
        const a = ink[y * info.width + x]! / 255;
        if (a <= 0) continue;
        const i = (y0 + y) * photo.width + x0 + x;
        mask[i] = 1;
        for (let k = 0; k < 3; k++) data[4 * i + k] = Math.round((1 - a) * data[4 * i + k]!);
      }
    const image = { ...photo, data };
    const result = await removeFrom(image);
    const score = scoreRemoval(image, result.image, photo, mask);
    const reasons = (result.metadata.regions as { reason: string }[]).map((r) => r.reason);
    expect(reasons).toContain('opaque credit in a corner, over flat ground');
    expect(score.gainDb).toBeGreaterThanOrEqual(15);
    expect(score.outsideDb).toBeGreaterThanOrEqual(OUTSIDE_MIN_DB);
  });

  it('removes a bold white name across an iceberg, sea and sky (real stock preview "© my company name")', async () => {
    // One blend fitted over all the line's deviations explained none of them (α 0.04): the ice's shading is as
    // far from the median background as the letters. The letters alone, lighter than their ground, fit α 0.54.
    // No clean original exists; the hand-drawn mask (dilated, dark = mark) says where the name is.
    const name = 'realwm_3';
    const input = await decode(datasetFile('watermarks', 'images', `${name}.jpg`));
    const hand = await sharp(datasetFile('watermarks', 'masks', `${name}.png`))
      .greyscale()
      .raw()
      .toBuffer();
    const result = await removeFrom(input);
    const marks = (result.metadata.regions as { colour: number[]; opacity: number }[]).filter(
      (r) => r.colour.every((c) => c >= 240) && r.opacity >= 0.35 && r.opacity <= 0.75,
    );
    expect(marks.length).toBeGreaterThanOrEqual(1);
    const luma = (d: Buffer, i: number) => 0.299 * d[i * 4]! + 0.587 * d[i * 4 + 1]! + 0.114 * d[i * 4 + 2]!;
    let inside = 0;
    let darkened = 0;
    let outside = 0;
    let changedOutside = 0;
    for (let i = 0; i < hand.length; i++) {
      const changed = luma(result.image.data, i) !== luma(input.data, i);
      if (hand[i]! < 128) {
        inside++;
        darkened += luma(input.data, i) - luma(result.image.data, i);
      } else {
        outside++;
        if (changed) changedOutside++;
      }
    }
    // The name lightens what it covers by ~50 levels; 52 of them are taken off today.
    expect(darkened / inside).toBeGreaterThan(30);
    // Ice lighter than its surroundings beside the letters is un-blended too (2.2 % of the rest today).
    expect(changedOutside / outside).toBeLessThan(0.05);
  });

  it('keeps the seed params: sensitivity 0–1 (0.5), inpaint radius 1–10 (3), plus find_logos (off)', () => {
    expect(parseParams(removeWatermark, {})).toEqual({
      detection_sensitivity: 0.5,
      find_logos: false,
      inpaint_radius: 3,
    });
    for (const bad of [
      { find_logos: 'yes' },
      { detection_sensitivity: 1.5 },
      { inpaint_radius: 0 },
      { inpaint_radius: 2.5 },
      { radius: 3 },
    ]) {
      expect(() => parseParams(removeWatermark, bad)).toThrow(MediaStudioError);
    }
  });

  it('fails as MS_MODEL_INVALID without a model provider rather than passing the image through', async () => {
    const input = await decode(datasetFile(SET, 'watermarked', 'magento_ug04-bk-0_corner.jpg'));
    await expect(
      removeWatermark.run(input, parseParams(removeWatermark, {}), { maxSidePx: 10_000 }),
    ).rejects.toMatchObject({ code: 'MS_MODEL_INVALID' });
  });
});
