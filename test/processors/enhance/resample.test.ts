import { describe, expect, it } from 'vitest';
import { type Planes, resample, resampleWindow } from '../../../src/processors/enhance/resample.js';
import { photo } from './photos.js';

/** A product photo as planar RGB 0..1. */
async function planes(name: string, maxSide: number): Promise<Planes> {
  const img = await photo(name, maxSide);
  const n = img.width * img.height;
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[c * n + i] = img.data[i * 4 + c]! / 255;
  return { data, width: img.width, height: img.height, channels: 3 };
}

describe('resampleWindow', () => {
  it.each(['lanczos3', 'triangle'] as const)(
    'gives a window of the %s-resampled picture exactly, reading only the rows it needs',
    async (kernel) => {
      const src = await planes('magento_mb02-gray-0.jpg', 160);
      const [W, H] = [src.width * 3, src.height * 3];
      const whole = resample(src, W, H, kernel);
      // A window well inside the picture: its rows start far below row 0 and end far above the last.
      const [x0, y0, w, h] = [101, 137, 90, 70];
      const win = resampleWindow(
        src,
        w,
        h,
        kernel,
        { scale: src.width / W, offset: (x0 * src.width) / W },
        { scale: src.height / H, offset: (y0 * src.height) / H },
      );
      let maxDiff = 0;
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            const a = win.data[(c * h + y) * w + x]!;
            const b = whole.data[(c * H + y0 + y) * W + x0 + x]!;
            maxDiff = Math.max(maxDiff, Math.abs(a - b));
          }
        }
      }
      expect(maxDiff).toBeLessThan(1e-5);
    },
  );
});
