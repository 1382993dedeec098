import { describe, expect, it } from 'vitest';
import { MediaStudioError } from '../../src/errors.js';
import { fromRaw, toRaw } from '../../src/processors/codec.js';
import { resize, resizeParams } from '../../src/processors/resize.js';
import type { RawImage } from '../../src/processors/types.js';
import { PSNR_NEAR_LOSSLESS, pixelAt, psnr } from '../helpers/image-similarity.js';
import { cutOut, gradient, paint } from '../helpers/synthetic-images.js';

const context = { maxSidePx: 10_000 };
const run = (image: RawImage, params: unknown) => resize.run(image, resizeParams.parse(params), context);
const size = ({ width, height }: RawImage) => [width, height];

/** Left half red, right half blue: shows which side a crop kept. */
const halves = (width: number, height: number) =>
  paint(width, height, (x) => (x < width / 2 ? [255, 0, 0, 255] : [0, 0, 255, 255]));

describe('resize fit', () => {
  it('fits inside the box keeping the aspect ratio, without padding', async () => {
    const { image, metadata } = await run(gradient(400, 200), { width: 100, height: 100 });
    expect(size(image)).toEqual([100, 50]);
    expect(metadata).toMatchObject({ mode: 'fit', source_width: 400, source_height: 200, enlarged: false });
  });

  it('derives the missing side from the aspect ratio', async () => {
    expect(size((await run(gradient(400, 200), { width: 100 })).image)).toEqual([100, 50]);
    expect(size((await run(gradient(400, 200), { height: 50 })).image)).toEqual([100, 50]);
  });

  it('keeps the aspect ratio within a pixel for awkward sizes', async () => {
    const { image } = await run(gradient(997, 331), { width: 250, height: 250 });
    expect(image.width).toBe(250);
    expect(Math.abs(image.height - (331 * 250) / 997)).toBeLessThanOrEqual(1);
  });

  it('never enlarges by default: a small image comes back unchanged', async () => {
    const source = gradient(400, 200);
    const { image, metadata } = await run(source, { width: 800, height: 800 });
    expect(image).toBe(source);
    expect(metadata.enlarged).toBe(false);
  });

  it('enlarges with allow_enlarge', async () => {
    const { image, metadata } = await run(gradient(400, 200), {
      width: 800,
      height: 800,
      allow_enlarge: true,
    });
    expect(size(image)).toEqual([800, 400]);
    expect(metadata.enlarged).toBe(true);
  });

  it('matches a plain Lanczos scale of the same image', async () => {
    const source = gradient(400, 200);
    const { image } = await run(source, { width: 200 });
    const reference = await toRaw(fromRaw(source).resize(200, 100, { kernel: 'lanczos3' }));
    expect(psnr(image, reference)).toBeGreaterThanOrEqual(PSNR_NEAR_LOSSLESS);
  });
});

describe('resize fill', () => {
  it('covers the box and crops to exactly width×height', async () => {
    const { image } = await run(gradient(400, 200), { width: 100, height: 100, mode: 'fill' });
    expect(size(image)).toEqual([100, 100]);
  });

  it('keeps the centre by default and the chosen side with position', async () => {
    const centre = (await run(halves(400, 200), { width: 100, height: 100, mode: 'fill' })).image;
    expect(pixelAt(centre, 10, 50)).toEqual([255, 0, 0, 255]);
    expect(pixelAt(centre, 90, 50)).toEqual([0, 0, 255, 255]);
    const left = (await run(halves(400, 200), { width: 100, height: 100, mode: 'fill', position: 'left' }))
      .image;
    expect(pixelAt(left, 90, 50)).toEqual([255, 0, 0, 255]);
    const right = (await run(halves(400, 200), { width: 100, height: 100, mode: 'fill', position: 'right' }))
      .image;
    expect(pixelAt(right, 10, 50)).toEqual([0, 0, 255, 255]);
  });

  it('accepts the attention strategy', async () => {
    const { image, metadata } = await run(gradient(400, 200), {
      width: 120,
      height: 120,
      mode: 'fill',
      position: 'attention',
    });
    expect(size(image)).toEqual([120, 120]);
    expect(metadata.position).toBe('attention');
  });

  it('enlarges to reach the box', async () => {
    const { image, metadata } = await run(gradient(100, 50), { width: 300, height: 300, mode: 'fill' });
    expect(size(image)).toEqual([300, 300]);
    expect(metadata.enlarged).toBe(true);
  });
});

describe('resize stretch', () => {
  it('produces exactly width×height, ignoring the aspect ratio', async () => {
    expect(size((await run(gradient(400, 200), { width: 300, height: 50, mode: 'stretch' })).image)).toEqual([
      300, 50,
    ]);
    expect(size((await run(gradient(40, 20), { width: 50, height: 300, mode: 'stretch' })).image)).toEqual([
      50, 300,
    ]);
  });
});

describe('resize pad', () => {
  it('fits inside and pads to exactly width×height with the background colour', async () => {
    const { image, metadata } = await run(gradient(400, 200), {
      width: 200,
      height: 200,
      mode: 'pad',
      background_color: '#FF0000',
    });
    expect(size(image)).toEqual([200, 200]);
    expect(metadata).toMatchObject({ content_width: 200, content_height: 100 });
    for (const [x, y] of [
      [0, 0],
      [199, 0],
      [0, 199],
      [199, 199],
    ] as const) {
      expect(pixelAt(image, x, y)).toEqual([255, 0, 0, 255]);
    }
    // The picture sits in the middle band, not the padding colour.
    expect(pixelAt(image, 100, 100)).not.toEqual([255, 0, 0, 255]);
  });

  it('centres a small image without enlarging it, unless allowed', async () => {
    const small = await run(gradient(100, 50), { width: 400, height: 400, mode: 'pad' });
    expect(size(small.image)).toEqual([400, 400]);
    expect(small.metadata).toMatchObject({ content_width: 100, content_height: 50, enlarged: false });
    expect(pixelAt(small.image, 149, 199)).toEqual([255, 255, 255, 255]);
    expect(pixelAt(small.image, 200, 200)).not.toEqual([255, 255, 255, 255]);
    const enlarged = await run(gradient(100, 50), {
      width: 400,
      height: 400,
      mode: 'pad',
      allow_enlarge: true,
    });
    expect(enlarged.metadata).toMatchObject({ content_width: 400, content_height: 200, enlarged: true });
  });

  it('pads with transparency when asked', async () => {
    const { image } = await run(gradient(400, 200), {
      width: 200,
      height: 200,
      mode: 'pad',
      background_color: 'transparent',
    });
    expect(pixelAt(image, 0, 0)[3]).toBe(0);
    expect(pixelAt(image, 100, 100)[3]).toBe(255);
  });
});

describe('resize with alpha', () => {
  it('does not let the colour under transparent pixels bleed into the edge', async () => {
    // White subject on transparent black: unpremultiplied resampling would darken the edge.
    const source = cutOut(400, { subject: [255, 255, 255, 255], hidden: [0, 0, 0, 0], edge: 1 });
    const { image } = await run(source, { width: 97 });
    for (let i = 0; i < image.data.length; i += 4) {
      if (image.data[i + 3]! > 16) expect(image.data[i]!).toBeGreaterThanOrEqual(240);
    }
  });
});

describe('resize limits and params', () => {
  it('refuses an output beyond the worker’s longest side as invalid params', async () => {
    const error = await resize
      .run(gradient(100, 10), resizeParams.parse({ width: 8000, mode: 'stretch', height: 8000 }), {
        maxSidePx: 4096,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaStudioError);
    expect((error as MediaStudioError).code).toBe('MS_INVALID_PARAMS');
    expect((error as MediaStudioError).message).toContain('4096');
  });

  it('applies the documented defaults', () => {
    expect(resizeParams.parse({ width: 10 })).toEqual({
      width: 10,
      mode: 'fit',
      allow_enlarge: false,
      position: 'centre',
      background_color: '#ffffff',
    });
  });

  it.each([
    ['no size', {}],
    ['an unknown key', { width: 10, colour: '#ffffff' }],
    ['a negative width', { width: -5 }],
    ['a zero height', { height: 0 }],
    ['a fractional width', { width: 10.5 }],
    ['a width over 8192', { width: 8193 }],
    ['an unknown mode', { width: 10, mode: 'crop' }],
    ['a short hex colour', { width: 10, background_color: '#fff' }],
    ['a colour name', { width: 10, background_color: 'red' }],
    ['a bad hex colour', { width: 10, background_color: '#gg0000' }],
    ['an unknown position', { width: 10, mode: 'fill', position: 'middle' }],
  ])('rejects %s', (_, params) => {
    expect(resizeParams.safeParse(params).success).toBe(false);
  });

  it('accepts #rrggbbaa and lowercases colours', () => {
    expect(resizeParams.parse({ width: 10, background_color: '#AABBCC80' }).background_color).toBe(
      '#aabbcc80',
    );
  });

  it('describes every param', () => {
    for (const [key, schema] of Object.entries(resizeParams.shape)) {
      expect(schema.description, key).toBeTruthy();
    }
  });
});
