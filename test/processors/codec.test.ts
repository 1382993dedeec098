/** Decoding hostile input: format sniffing, pixel limit, orientation, colour space, frames, metadata. */
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, decodeLossless, encodeLossless, hasTransparency } from '../../src/processors/codec.js';
import { PSNR_IDENTICAL, psnr } from '../helpers/image-similarity.js';

const limits = { maxPixels: 10_000_000 };

/** A 60×40 image, red on the left half and blue on the right. */
async function halves(): Promise<Sharp> {
  const left = await sharp({ create: { width: 30, height: 40, channels: 3, background: '#ff0000' } })
    .png()
    .toBuffer();
  return sharp({ create: { width: 60, height: 40, channels: 3, background: '#0000ff' } }).composite([
    { input: left, left: 0, top: 0 },
  ]);
}

const at = (img: { data: Buffer; width: number }, x: number, y: number) => [
  ...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4),
];

describe('decodeImage', () => {
  it('decodes to RGBA sRGB and reports the source format', async () => {
    const png = await (await halves()).png().toBuffer();
    const { image, sourceFormat } = await decodeImage(png, limits);
    expect([image.width, image.height, image.channels, image.data.length]).toEqual([60, 40, 4, 60 * 40 * 4]);
    expect(sourceFormat).toBe('png');
    expect(at(image, 5, 5)).toEqual([255, 0, 0, 255]);
  });

  it('applies the EXIF orientation', async () => {
    // Orientation 6: the stored pixels must be turned 90° clockwise to display.
    const jpeg = await (await halves()).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const { image } = await decodeImage(jpeg, limits);
    expect([image.width, image.height]).toEqual([40, 60]);
    const top = at(image, 20, 5);
    expect(top[0]).toBeGreaterThan(200); // red is now on top
    expect(top[2]).toBeLessThan(60);
  });

  it('converts CMYK to sRGB', async () => {
    const cmyk = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#20c040' } })
      .toColourspace('cmyk')
      .jpeg({ quality: 95 })
      .toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const { image } = await decodeImage(cmyk, limits);
    const [r, g, b] = at(image, 16, 16);
    expect(g!).toBeGreaterThan(150);
    expect(r!).toBeLessThan(90);
    expect(b!).toBeLessThan(110);
  });

  it('keeps the first frame of an animation', async () => {
    const frame = (colour: string) =>
      sharp({ create: { width: 20, height: 20, channels: 3, background: colour } })
        .raw()
        .toBuffer();
    const frames = Buffer.concat([await frame('#ff0000'), await frame('#00ff00'), await frame('#0000ff')]);
    const gif = await sharp(frames, { raw: { width: 20, height: 60, channels: 3, pageHeight: 20 } })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(3);
    const { image } = await decodeImage(gif, limits);
    expect([image.width, image.height]).toEqual([20, 20]);
    expect(at(image, 10, 10)[0]).toBeGreaterThan(200);
  });

  it('refuses too many pixels before decoding them', async () => {
    const big = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#888' } })
      .png()
      .toBuffer();
    await expect(decodeImage(big, { maxPixels: 1_000_000 })).rejects.toMatchObject({
      code: 'MS_PIXEL_LIMIT',
    });
  });

  it('refuses bytes that are not an image, and truncated images', async () => {
    await expect(decodeImage(Buffer.from('<html>not an image</html>'), limits)).rejects.toMatchObject({
      code: 'MS_UNSUPPORTED_FORMAT',
    });
    // A photo-sized JPEG cut after its headers: the header reads, the pixels do not.
    const noise = await sharp({
      create: {
        width: 400,
        height: 300,
        channels: 3,
        background: '#000',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .jpeg()
      .toBuffer();
    await expect(
      decodeImage(noise.subarray(0, Math.floor(noise.length * 0.6)), limits),
    ).rejects.toMatchObject({ code: 'MS_DECODE_FAILED' });
  });

  it('refuses formats we do not accept even when libvips reads them (SVG can reference files)', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    );
    await expect(decodeImage(svg, limits)).rejects.toMatchObject({ code: 'MS_UNSUPPORTED_FORMAT' });
  });
});

describe('lossless intermediates', () => {
  it('round-trip exactly, alpha included', async () => {
    const translucent = await sharp({
      create: { width: 60, height: 40, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.4 } },
    })
      .png()
      .toBuffer();
    const { image } = await decodeImage(translucent, limits);
    expect(hasTransparency(image)).toBe(true);
    const back = await decodeLossless(await encodeLossless(image));
    expect(back.data.equals(image.data)).toBe(true);
    expect(psnr(back, image)).toBeGreaterThanOrEqual(PSNR_IDENTICAL);
  });

  it('carry no metadata from the source', async () => {
    const jpeg = await (await halves())
      .jpeg()
      .withMetadata({ exif: { IFD0: { Copyright: 'supplier' } } })
      .toBuffer();
    const { image } = await decodeImage(jpeg, limits);
    const meta = await sharp(await encodeLossless(image)).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.icc).toBeUndefined();
  });
});
