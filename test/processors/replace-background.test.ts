import { describe, expect, it } from 'vitest';
import { flattenOnto } from '../../src/processors/colour.js';
import { replaceBackground, replaceBackgroundParams } from '../../src/processors/replace-background.js';
import type { RawImage } from '../../src/processors/types.js';
import { pixelAt } from '../helpers/image-similarity.js';
import { cutOut, gradient, paint } from '../helpers/synthetic-images.js';

const context = { maxSidePx: 10_000 };
const run = (image: RawImage, params: unknown) =>
  replaceBackground.run(image, replaceBackgroundParams.parse(params), context);

/** Three columns: transparent (hidden colour green), half-transparent black, opaque blue. */
const columns = () =>
  paint(
    3,
    1,
    (x) =>
      [
        [0, 255, 0, 0],
        [0, 0, 0, 128],
        [0, 0, 255, 255],
      ][x] as [number, number, number, number],
  );

describe('replace_background', () => {
  it('shows the colour where alpha was 0 and keeps the subject where it was 255, opaque everywhere', async () => {
    const source = cutOut(64, { subject: [200, 40, 40, 255], hidden: [0, 255, 0, 0] });
    const { image, metadata } = await run(source, { color: '#3366cc' });
    expect(pixelAt(image, 0, 0)).toEqual([0x33, 0x66, 0xcc, 255]);
    expect(pixelAt(image, 32, 32)).toEqual([200, 40, 40, 255]);
    for (let i = 3; i < image.data.length; i += 4) expect(image.data[i]).toBe(255);
    expect(metadata).toMatchObject({ color: '#3366cc', had_alpha: true, changed: true });
    expect(metadata.translucent_ratio).toBeGreaterThan(0.5);
  });

  it('blends partial alpha with the standard "over"', async () => {
    const { image } = await run(columns(), {});
    expect(pixelAt(image, 0, 0)).toEqual([255, 255, 255, 255]);
    // black at 128/255 over white: 255 × 127/255 = 127
    expect(pixelAt(image, 1, 0)).toEqual([127, 127, 127, 255]);
    expect(pixelAt(image, 2, 0)).toEqual([0, 0, 255, 255]);
  });

  it('blends every alpha level within rounding of f·a + c·(1 − a)', async () => {
    const source = paint(256, 1, (x) => [250, 10, 90, x]);
    const { image } = await run(source, { color: '#204060' });
    for (let a = 0; a < 256; a++) {
      const expected = [250, 10, 90].map((f, i) => (f * a + [0x20, 0x40, 0x60][i]! * (255 - a)) / 255);
      const actual = pixelAt(image, a, 0);
      for (let c = 0; c < 3; c++) expect(Math.abs(actual[c]! - expected[c]!)).toBeLessThanOrEqual(0.5);
    }
  });

  it('is a no-op on an opaque image, and says so', async () => {
    const source = gradient(40, 20);
    const { image, metadata } = await run(source, { color: '#000000' });
    expect(image).toBe(source);
    expect(metadata).toMatchObject({ had_alpha: false, changed: false, translucent_ratio: 0 });
  });

  it('keeps the alpha with transparent', async () => {
    const source = columns();
    const { image, metadata } = await run(source, { color: 'transparent' });
    expect(image).toBe(source);
    expect(metadata).toMatchObject({ had_alpha: true, changed: false });
  });

  it('defaults to white', () => {
    expect(replaceBackgroundParams.parse({})).toEqual({ color: '#ffffff' });
    expect(replaceBackgroundParams.parse({ color: '#ABCDEF' })).toEqual({ color: '#abcdef' });
  });

  it.each([
    ['a colour with alpha', { color: '#ffffff80' }],
    ['a colour name', { color: 'white' }],
    ['a short hex', { color: '#fff' }],
    ['a number', { color: 0xffffff }],
    ['an unknown key', { color: '#ffffff', style: 'studio' }],
  ])('rejects %s', (_, params) => {
    expect(replaceBackgroundParams.safeParse(params).success).toBe(false);
  });
});

describe('flattenOnto, the blend shared with finalize', () => {
  it('gives the same colours with three channels, for any pixel count and buffer alignment', () => {
    const colour = { r: 10, g: 200, b: 30, alpha: 1 };
    const source = paint(7, 3, (x, y) => [x * 30, y * 80, 255 - x * 30, (x * 37 + y * 91) % 256]);
    const four = flattenOnto(source, colour, 4);
    // A view at an odd offset forces the unaligned path.
    const shifted = Buffer.alloc(source.data.length + 1);
    source.data.copy(shifted, 1);
    const unaligned = { ...source, data: shifted.subarray(1) };
    for (const image of [source, unaligned]) {
      const three = flattenOnto(image, colour, 3);
      expect(three.length).toBe(7 * 3 * 3);
      for (let p = 0; p < 21; p++) {
        expect(Array.from(three.subarray(p * 3, p * 3 + 3))).toEqual(
          Array.from(four.subarray(p * 4, p * 4 + 3)),
        );
        expect(four[p * 4 + 3]).toBe(255);
      }
    }
  });
});
