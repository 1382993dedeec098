/**
 * A generated background, as the source sent it (PNG, JPEG or WebP bytes), decoded like any untrusted
 * image and scaled to cover the canvas (cropping the overflow evenly). An answer that does not decode
 * counts as a passing upstream failure, like a 5xx: a retry asks for a new image.
 */
import { MediaStudioError, toMediaStudioError } from '../../errors.js';
import { decodeImage, fromRaw, toRaw } from '../codec.js';
import { type Canvas, fromRgba8 } from './raster.js';

/** The largest generated image we accept (the biggest the APIs render is 3840×2160). */
const MAX_GENERATED_PIXELS = 16_777_216;

export async function decodeBackground(
  bytes: Buffer,
  width: number,
  height: number,
  source: string,
): Promise<Canvas> {
  try {
    const { image } = await decodeImage(bytes, { maxPixels: MAX_GENERATED_PIXELS });
    const covered =
      image.width === width && image.height === height
        ? image
        : await toRaw(
            fromRaw(image).resize(width, height, { fit: 'cover', position: 'centre', kernel: 'lanczos3' }),
          );
    return fromRgba8(covered.data, width, height);
  } catch (err) {
    const e = toMediaStudioError(err, 'MS_PROCESSING_FAILED');
    throw new MediaStudioError(
      'MS_UPSTREAM_UNAVAILABLE',
      `${source} sent a background that does not decode: ${e.message}`,
      {
        cause: err,
      },
    );
  }
}
