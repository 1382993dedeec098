/**
 * The naive pipeline issue 5 compares against: every pixel PP-OCRv4 calls text (probability > 0.3), dilated,
 * then filled. The fill is a plain diffusion fill (onion-peel averaging of known neighbours, then Laplace
 * relaxation), not OpenCV's Telea: both propagate smooth colour from the rim inwards and smear texture alike;
 * this one needs no OpenCV.
 */
import type { ModelProvider } from '../../src/models/model-provider.js';
import { ppOcrV4Det } from '../../src/models/ppocr-det.js';
import type { RawImage } from '../../src/processors/types.js';
import { textProbability } from '../../src/processors/watermark/detect-text.js';
import { dilate, upscaleMask } from '../../src/processors/watermark/raster.js';

export async function naiveRemoval(image: RawImage, models: ModelProvider, dilatePx = 5): Promise<RawImage> {
  const map = await textProbability(image, models, ppOcrV4Det, ppOcrV4Det.input.maxSide);
  const small = new Uint8Array(map.prob.length);
  for (let i = 0; i < small.length; i++) small[i] = map.prob[i]! > ppOcrV4Det.output.binaryThreshold ? 1 : 0;
  const { width: w, height: h } = image;
  const hole = dilate(upscaleMask(small, map.width, map.height, w, h), w, h, dilatePx);
  return { ...image, data: diffusionFill(image.data, w, h, hole) };
}

export function diffusionFill(src: Buffer, w: number, h: number, hole: Uint8Array): Buffer {
  const out = Buffer.from(src);
  const known = new Uint8Array(hole.length);
  for (let i = 0; i < known.length; i++) known[i] = hole[i] ? 0 : 1;
  // Onion peel: each rim pixel takes the mean of its known 8-neighbours.
  for (;;) {
    const rim: number[] = [];
    for (let i = 0; i < known.length; i++) {
      if (known[i]) continue;
      const x = i % w;
      if (
        (x > 0 && known[i - 1]) ||
        (x < w - 1 && known[i + 1]) ||
        (i >= w && known[i - w]) ||
        (i < w * (h - 1) && known[i + w])
      )
        rim.push(i);
    }
    if (rim.length === 0) break;
    for (const i of rim) {
      const x = i % w;
      const y = (i - x) / w;
      const acc = [0, 0, 0];
      let n = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          const j = ny * w + nx;
          if (!known[j]) continue;
          for (let k = 0; k < 3; k++) acc[k]! += out[j * 4 + k]!;
          n++;
        }
      for (let k = 0; k < 3; k++) out[i * 4 + k] = Math.round(acc[k]! / n);
    }
    for (const i of rim) known[i] = 1;
  }
  // Laplace relaxation inside the hole.
  for (let iter = 0; iter < 30; iter++) {
    for (let i = 0; i < hole.length; i++) {
      if (!hole[i]) continue;
      const x = i % w;
      if (x === 0 || x === w - 1 || i < w || i >= w * (h - 1)) continue;
      for (let k = 0; k < 3; k++)
        out[i * 4 + k] =
          (out[(i - 1) * 4 + k]! +
            out[(i + 1) * 4 + k]! +
            out[(i - w) * 4 + k]! +
            out[(i + w) * 4 + k]! +
            2) >>
          2;
    }
  }
  return out;
}
