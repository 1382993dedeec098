import { describe, expect, it } from 'vitest';
import { MediaStudioError } from '../../src/errors.js';
import { fromRaw, toRaw } from '../../src/processors/codec.js';
import { crop, cropParams } from '../../src/processors/crop.js';
import type { RawImage } from '../../src/processors/types.js';
import { PSNR_IDENTICAL, psnr } from '../helpers/image-similarity.js';
import { gradient } from '../helpers/synthetic-images.js';

const context = { maxSidePx: 10_000 };
const run = (image: RawImage, params: unknown) => crop.run(image, cropParams.parse(params), context);

describe('crop', () => {
  it('returns exactly the rectangle asked for', async () => {
    const { image, metadata } = await run(gradient(400, 200), { x: 30, y: 20, width: 150, height: 90 });
    expect([image.width, image.height, image.data.length]).toEqual([150, 90, 150 * 90 * 4]);
    expect(metadata).toEqual({ source_width: 400, source_height: 200, x: 30, y: 20, width: 150, height: 90 });
  });

  it('keeps the same pixels as that region of the source', async () => {
    const source = gradient(400, 200);
    const region = { left: 123, top: 45, width: 211, height: 101 };
    const { image } = await run(source, {
      x: region.left,
      y: region.top,
      width: region.width,
      height: region.height,
    });
    const reference = await toRaw(fromRaw(source).extract(region));
    expect(psnr(image, reference)).toBeGreaterThanOrEqual(PSNR_IDENTICAL);
  });

  it('allows a rectangle touching the right and bottom edges, and the whole image', async () => {
    const source = gradient(400, 200);
    const corner = await run(source, { x: 399, y: 199, width: 1, height: 1 });
    expect(Array.from(corner.image.data)).toEqual(Array.from(source.data.subarray(-4)));
    const whole = await run(source, { x: 0, y: 0, width: 400, height: 200 });
    expect(whole.image).toBe(source);
  });

  it.each([
    ['past the right edge', { x: 300, y: 0, width: 101, height: 10 }],
    ['past the bottom edge', { x: 0, y: 150, width: 10, height: 51 }],
    ['starting outside', { x: 400, y: 0, width: 1, height: 1 }],
    ['larger than the image', { x: 0, y: 0, width: 800, height: 400 }],
  ])('refuses a rectangle %s as invalid params naming the image size', async (_, params) => {
    const error = await run(gradient(400, 200), params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaStudioError);
    expect((error as MediaStudioError).code).toBe('MS_INVALID_PARAMS');
    expect((error as MediaStudioError).retriable).toBe(false);
    expect((error as MediaStudioError).message).toContain('400×200');
  });

  it.each([
    ['a negative x', { x: -1, y: 0, width: 10, height: 10 }],
    ['a zero width', { x: 0, y: 0, width: 0, height: 10 }],
    ['a fractional height', { x: 0, y: 0, width: 10, height: 2.5 }],
    ['a missing field', { x: 0, y: 0, width: 10 }],
    ['an unknown key', { x: 0, y: 0, width: 10, height: 10, unit: 'px' }],
    ['a string number', { x: '0', y: 0, width: 10, height: 10 }],
  ])('rejects %s in the schema', (_, params) => {
    expect(cropParams.safeParse(params).success).toBe(false);
  });

  it('describes every param', () => {
    for (const [key, schema] of Object.entries(cropParams.shape))
      expect(schema.description, key).toBeTruthy();
  });
});
