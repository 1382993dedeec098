/**
 * enhance end to end through the evaluation contract, the compiled binary:
 *   media-studio process --out DIR --format png --op 'enhance={...}' INPUT...
 * The CLI hands processors its model provider, so the learned upscaler runs (not the Lanczos fallback);
 * the output PNG is ×2 and, on a JPEG-degraded studio shot, closer to the original than Lanczos.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/processors/codec.js';
import { superResolve } from '../../src/processors/enhance/super-resolution.js';
import { psnrRgb } from '../helpers/image-metrics.js';
import { areaShrink, cropImage, photo } from '../processors/enhance/photos.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin', 'media-studio.js');

describe('media-studio process --op enhance', () => {
  let out: string;
  beforeAll(async () => {
    await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root });
    out = await mkdtemp(join(tmpdir(), 'ms-cli-enhance-'));
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
    const { stdout } = await run(
      process.execPath,
      [bin, 'process', '--out', out, '--format', 'png', '--json', '--op', op, input],
      {
        env: { ...process.env, LOG_LEVEL: 'warn' },
      },
    );
    const report = JSON.parse(stdout.trim()) as {
      ok: boolean;
      outputs: string[];
      steps: { metadata: Record<string, unknown> }[];
    };
    expect(report.ok).toBe(true);
    expect(report.steps[0]!.metadata.upscale).toMatchObject({
      upscaler: 'realesrgan-general-x4v3-int8',
      scale: 2,
    });

    const result = (await decodeImage(await readFile(report.outputs[0]!), { maxPixels: 50_000_000 })).image;
    expect([result.width, result.height]).toEqual([480, 480]);
    const decodedInput = (await decodeImage(await readFile(input), { maxPixels: 50_000_000 })).image;
    const lanczos = (await superResolve(decodedInput, 480, 480, null)).image;
    expect(psnrRgb(result, original)).toBeGreaterThan(psnrRgb(lanczos, original) + 0.5);
  }, 180_000);
});
