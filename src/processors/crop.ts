/**
 * `crop`: keep the rectangle x, y, width, height (pixels, origin top left) of the image as it reaches this
 * step. A rectangle reaching outside the image is an invalid request, reported with the image's size, and
 * is never clamped: a silently smaller crop would publish a wrong product photo without anyone noticing.
 */
import { z } from 'zod';
import { MediaStudioError } from '../errors.js';
import { defineProcessor, type RawImage } from './types.js';

/** Upper bound on any coordinate, only to keep arithmetic far from overflow; the image bounds decide. */
const MAX_COORDINATE = 1 << 20;

const coordinate = (min: number, description: string) =>
  z.number().int().min(min).max(MAX_COORDINATE).describe(description);

export const cropParams = z.strictObject({
  x: coordinate(
    0,
    'Left edge of the rectangle in pixels from the left of the image, ≥ 0. Required. Example: 100.',
  ),
  y: coordinate(
    0,
    'Top edge of the rectangle in pixels from the top of the image, ≥ 0. Required. Example: 50.',
  ),
  width: coordinate(
    1,
    'Width of the rectangle in pixels, ≥ 1; x + width may not exceed the image width. Required.',
  ),
  height: coordinate(
    1,
    'Height of the rectangle in pixels, ≥ 1; y + height may not exceed the image height. Required.',
  ),
});
export type CropParams = z.output<typeof cropParams>;

/** Copies the rectangle row by row: exact pixels, no resampling, no colour conversion. */
function extract(image: RawImage, { x, y, width, height }: CropParams): RawImage {
  const bpp = image.channels;
  const sourceStride = image.width * bpp;
  const rowBytes = width * bpp;
  const data = Buffer.allocUnsafe(rowBytes * height);
  for (let row = 0; row < height; row++) {
    const start = (y + row) * sourceStride + x * bpp;
    image.data.copy(data, row * rowBytes, start, start + rowBytes);
  }
  return { data, width, height, channels: image.channels };
}

export const crop = defineProcessor({
  name: 'crop',
  version: '1',
  params: cropParams,
  async run(image, params, context) {
    context.signal?.throwIfAborted();
    const { x, y, width, height } = params;
    if (x + width > image.width || y + height > image.height) {
      throw new MediaStudioError(
        'MS_INVALID_PARAMS',
        `crop x=${x} y=${y} width=${width} height=${height} reaches outside the ${image.width}×${image.height} ` +
          `image (x + width may be at most ${image.width}, y + height at most ${image.height})`,
        { details: { x, y, width, height, imageWidth: image.width, imageHeight: image.height } },
      );
    }
    const whole = x === 0 && y === 0 && width === image.width && height === image.height;
    return {
      image: whole ? image : extract(image, params),
      metadata: { source_width: image.width, source_height: image.height, x, y, width, height },
    };
  },
});
