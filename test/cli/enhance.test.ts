/**
 * enhance end to end through the evaluation contract, the compiled binary:
 *   media-studio process --out DIR --format png --op 'enhance={...}' INPUT...
 * The CLI hands processors its model provider, so the learned upscaler runs (not the Lanczos fallback);
 * the output PNG is ×2 and, on a JPEG-degraded studio shot, closer to the original than Lanczos.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createModelProvider } from '../../src/models/index.js';
import { realEsrganGeneralX4For } from '../../src/models/realesrgan.js';
import { superResolve } from '../../src/processors/enhance/super-resolution.js';
import { psnrRgb } from '../helpers/image-metrics.js';
import { decodeFile } from '../helpers/models.js';
import { buildCli, processWithCli } from '../helpers/process-cli.js';
import { areaShrink, cropImage, photo } from '../processors/enhance/photos.js';

describe('media-studio process --op enhance', () => {
  let out: string;
  beforeAll(async () => {
    out = await buildCli('enhance');
  }, 180_000);

  it('upscales a small JPEG with the model and beats Lanczos on it', async () => {
    // A supplier-sized photo: a 480×480 detail of a studio shot, shrunk ×2 and saved as JPEG q85.
    const original = cropImage(await photo('magento_ms01-blue_main.jpg', 2000), 400, 450, 480, 480);
    const small = areaShrink(original, 2);
    const input = join(out, 'small.jpg');
    await writeFile(
      input,
      await sharp(small.data, { raw: { width: 240, height: 240, channels: 4 } })
        .flatten()
        .jpeg({ quality: 85 })
        .toBuffer(),
    );
    const op = 'enhance={"upscale_factor":2,"sharpen":false,"auto_contrast":false,"auto_color":false}';
    const [report] = await processWithCli(out, [op], [input]);
    if (!report) throw new Error('the CLI printed no report');
    expect(report.ok).toBe(true);
    expect(report.steps[0]!.metadata.upscale).toMatchObject({
      // The CLI picks the variant as any process on this machine does (MODEL_PRECISION, CPU features).
      upscaler: realEsrganGeneralX4For(createModelProvider(loadConfig()).precision).name,
      scale: 2,
    });

    const result = await decodeFile(report.outputs[0]!);
    expect([result.width, result.height]).toEqual([480, 480]);
    const decodedInput = await decodeFile(input);
    const lanczos = (await superResolve(decodedInput, 480, 480, null)).image;
    expect(psnrRgb(result, original)).toBeGreaterThan(psnrRgb(lanczos, original) + 0.5);
  }, 180_000);
});
