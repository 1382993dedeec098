import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MediaStudioError } from '../../src/errors.js';
import { fromRaw } from '../../src/processors/codec.js';
import { type EncodedVariant, encodeOutputs } from '../../src/processors/encode-output.js';
import type { RawImage } from '../../src/processors/types.js';
import { type Pixels, PSNR_SIMILAR, pixelAt, psnr } from '../helpers/image-similarity.js';
import { cutOut, gradient } from '../helpers/synthetic-images.js';

const jpeg = { format: 'jpeg', quality: 90, generateSizes: true } as const;

async function decode(variant: EncodedVariant): Promise<Pixels & { format: string | undefined }> {
  const { format } = await sharp(variant.data).metadata();
  const { data, info } = await sharp(variant.data).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels, format };
}

const byName = (variants: EncodedVariant[]) => Object.fromEntries(variants.map((v) => [v.name, v]));

/** The source scaled straight to `width`×`height` and flattened on white: what a variant should look like. */
async function reference(image: RawImage, width: number, height: number): Promise<Pixels> {
  const { data, info } = await fromRaw(image)
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .flatten({ background: '#ffffff' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

describe('encodeOutputs', () => {
  it('produces the original and the three variants at their longest sides', async () => {
    const variants = await encodeOutputs(gradient(2000, 1000), jpeg);
    expect(variants.map((v) => [v.name, v.width, v.height])).toEqual([
      ['original', 2000, 1000],
      ['thumbnail', 200, 100],
      ['medium', 800, 400],
      ['large', 1600, 800],
    ]);
    for (const variant of variants) {
      const decoded = await decode(variant);
      expect([decoded.width, decoded.height, decoded.format]).toEqual([
        variant.width,
        variant.height,
        'jpeg',
      ]);
      expect(variant.bytes).toBe(variant.data.length);
      expect(variant).toMatchObject({ format: 'jpeg', contentType: 'image/jpeg', extension: 'jpg' });
    }
  });

  it('never enlarges: a 900 px image has a 900 px large that shares the original’s bytes', async () => {
    const { original, thumbnail, medium, large } = byName(await encodeOutputs(gradient(900, 600), jpeg));
    expect([large!.width, large!.height]).toEqual([900, 600]);
    expect([medium!.width, medium!.height]).toEqual([800, 533]);
    expect([thumbnail!.width, thumbnail!.height]).toEqual([200, 133]);
    expect(large!.data).toBe(original!.data);
  });

  it('keeps a tiny image at its own size in every variant', async () => {
    const variants = await encodeOutputs(gradient(120, 80), jpeg);
    expect(variants.map((v) => [v.width, v.height])).toEqual(Array(4).fill([120, 80]));
  });

  it('produces only the original without generateSizes', async () => {
    const variants = await encodeOutputs(gradient(300, 200), { ...jpeg, generateSizes: false });
    expect(variants.map((v) => v.name)).toEqual(['original']);
  });

  it('makes variants that look like the original scaled down', async () => {
    const source = gradient(1800, 1200);
    for (const variant of await encodeOutputs(source, jpeg)) {
      const decoded = await decode(variant);
      const expected = await reference(source, variant.width, variant.height);
      expect(psnr(decoded, expected), variant.name).toBeGreaterThanOrEqual(PSNR_SIMILAR);
    }
  });

  it('flattens JPEG onto white: no alpha, white where the image was transparent', async () => {
    const source = cutOut(301, { subject: [30, 30, 200, 255], hidden: [0, 0, 0, 0] });
    for (const variant of await encodeOutputs(source, jpeg)) {
      const decoded = await decode(variant);
      expect(decoded.channels).toBe(3);
      const corner = pixelAt(decoded, 0, 0);
      for (const channel of corner) expect(channel).toBeGreaterThanOrEqual(250);
      const expected = await reference(source, variant.width, variant.height);
      expect(psnr(decoded, expected), variant.name).toBeGreaterThanOrEqual(PSNR_SIMILAR);
    }
  });

  it('keeps alpha in PNG, losslessly at full size', async () => {
    const source = cutOut(240);
    const variants = await encodeOutputs(source, { format: 'png', quality: 90, generateSizes: true });
    const { original, thumbnail } = byName(variants);
    expect(original).toMatchObject({ contentType: 'image/png', extension: 'png' });
    const decoded = await decode(original!);
    expect(decoded.channels).toBe(4);
    expect(psnr(decoded, source)).toBe(Number.POSITIVE_INFINITY);
    const small = await decode(thumbnail!);
    expect(pixelAt(small, 0, 0)[3]).toBe(0);
    expect(pixelAt(small, 100, 100)[3]).toBe(255);
  });

  it('writes an opaque PNG without an alpha channel', async () => {
    const { original } = byName(
      await encodeOutputs(gradient(64, 64), { format: 'png', quality: 90, generateSizes: false }),
    );
    expect((await decode(original!)).channels).toBe(3);
  });

  it('encodes WebP with alpha at the requested quality', async () => {
    const source = cutOut(200);
    const low = byName(await encodeOutputs(source, { format: 'webp', quality: 30, generateSizes: false }))
      .original!;
    const high = byName(await encodeOutputs(source, { format: 'webp', quality: 95, generateSizes: false }))
      .original!;
    expect(low).toMatchObject({ contentType: 'image/webp', extension: 'webp' });
    expect((await decode(high)).channels).toBe(4);
    expect(low.bytes).toBeLessThan(high.bytes);
  });

  it('applies JPEG quality', async () => {
    const source = gradient(400, 300);
    const low = (await encodeOutputs(source, { ...jpeg, quality: 40, generateSizes: false }))[0]!;
    const high = (await encodeOutputs(source, { ...jpeg, quality: 95, generateSizes: false }))[0]!;
    expect(low.bytes).toBeLessThan(high.bytes);
  });

  it('writes progressive, 4:2:0, metadata-free JPEG', async () => {
    const { original } = byName(await encodeOutputs(gradient(400, 300), jpeg));
    const meta = await sharp(original!.data).metadata();
    expect(meta).toMatchObject({ isProgressive: true, chromaSubsampling: '4:2:0', hasProfile: false });
    expect(meta.exif).toBeUndefined();
  });

  it('refuses a quality outside 1–100 as invalid params', async () => {
    const error = await encodeOutputs(gradient(10, 10), { ...jpeg, quality: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaStudioError);
    expect((error as MediaStudioError).code).toBe('MS_INVALID_PARAMS');
  });
});
