/** Real product photos and measures for the enhance tests (from ../shared/datasets, scaled in code). */
import sharp from 'sharp';
import type { RawImage } from '../../../src/processors/types.js';
import { datasetFile } from '../../helpers/datasets.js';
import { rgbaOf } from '../../helpers/shrunk-photos.js';

// The shrink and JPEG round trip live with bench/eval-sr.ts's in one helper; re-exported for the tests here.
export { areaShrink, jpegRoundTrip } from '../../helpers/shrunk-photos.js';

/** A product photo (products/images/NAME) flattened on white, longest side at most `maxSide`. */
export async function photo(name: string, maxSide = 480): Promise<RawImage> {
  return rgbaOf(
    sharp(datasetFile('products', 'images', name))
      .flatten({ background: '#ffffff' })
      .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true }),
  );
}

/** A photo with its own alpha (a cut-out PNG), longest side at most `maxSide`. */
export async function photoWithAlpha(name: string, maxSide = 480): Promise<RawImage> {
  return rgbaOf(
    sharp(datasetFile('products', 'images', name)).resize(maxSide, maxSide, {
      fit: 'inside',
      withoutEnlargement: true,
    }),
  );
}

/** A window of an image. */
export function cropImage(img: RawImage, x: number, y: number, width: number, height: number): RawImage {
  const data = Buffer.alloc(width * height * 4);
  for (let j = 0; j < height; j++) {
    img.data.copy(data, j * width * 4, ((y + j) * img.width + x) * 4, ((y + j) * img.width + x + width) * 4);
  }
  return { data, width, height, channels: 4 };
}

/** Mean CIEDE2000 a correction may leave on a photo that needed none. */
export const UNCHANGED_DE = 1;

/** Well-exposed, neutral studio shots: what the corrections must leave alone. */
export const GOOD_PHOTOS = [
  'magento_mb02-gray-0.jpg',
  'magento_luma-yoga-brick.jpg',
  'magento_ug06-lb-0.jpg',
];

/** Mean absolute luma gradient: how much edge contrast an image has. */
export function edgeEnergy(img: RawImage): number {
  const { width: w, height: h, data: d } = img;
  const y = (i: number) => 0.299 * d[i * 4]! + 0.587 * d[i * 4 + 1]! + 0.114 * d[i * 4 + 2]!;
  let s = 0;
  for (let r = 0; r < h - 1; r++)
    for (let x = 0; x < w - 1; x++)
      s += Math.abs(y(r * w + x + 1) - y(r * w + x)) + Math.abs(y((r + 1) * w + x) - y(r * w + x));
  return s / (w * h);
}
