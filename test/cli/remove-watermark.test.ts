/**
 * remove_watermark end to end through the evaluation contract, the compiled binary:
 *   media-studio process --out DIR --format png --op 'remove_watermark={...}' INPUT...
 * The CLI hands processors its model provider; the output PNG must carry the restoration (scored as
 * bench/eval-wm.ts does) and a clean control must come out with the input's pixels.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { scoreRemoval } from '../../bench/watermark/metrics.js';
import { decodeImage } from '../../src/processors/codec.js';
import type { RawImage } from '../../src/processors/types.js';
import { datasetFile } from '../helpers/datasets.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin', 'media-studio.js');
const SET = 'synthetic-watermarks';

async function decode(path: string): Promise<RawImage> {
  return (await decodeImage(await readFile(path), { maxPixels: 50_000_000 })).image;
}

describe('media-studio process --op remove_watermark', () => {
  let out: string;
  beforeAll(async () => {
    await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root });
    out = await mkdtemp(join(tmpdir(), 'ms-cli-wm-'));
  }, 180_000);

  it('removes a corner mark, keeps a clean control, and reports what it found', async () => {
    const marked = datasetFile(SET, 'watermarked', 'magento_ug04-bk-0_corner.jpg');
    const control = datasetFile(SET, 'watermarked', 'magento_mb05-black-0_none.jpg');
    const { stdout } = await run(
      process.execPath,
      [
        bin,
        'process',
        '--out',
        out,
        '--format',
        'png',
        '--json',
        '--op',
        'remove_watermark={"detection_sensitivity":0.5}',
        marked,
        control,
      ],
      { env: { ...process.env, LOG_LEVEL: 'warn' } },
    );
    const reports = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { ok: boolean; steps: { metadata: Record<string, unknown> }[] });
    expect(reports.map((r) => r.ok)).toEqual([true, true]);
    expect(reports[0]!.steps[0]!.metadata.watermark_detected).toBe(true);
    expect(reports[1]!.steps[0]!.metadata.watermark_detected).toBe(false);

    const input = await decode(marked);
    const clean = await decode(datasetFile(SET, 'clean', 'magento_ug04-bk-0_corner.png'));
    const mask = Uint8Array.from(
      await sharp(datasetFile(SET, 'masks', 'magento_ug04-bk-0_corner.png'))
        .greyscale()
        .raw()
        .toBuffer(),
      (v) => (v > 127 ? 1 : 0),
    );
    const score = scoreRemoval(input, await decode(join(out, 'magento_ug04-bk-0_corner.png')), clean, mask);
    expect(score.gainDb).toBeGreaterThanOrEqual(15);
    expect(score.outsideDb).toBeGreaterThanOrEqual(40);

    const controlIn = await decode(control);
    const controlOut = await decode(join(out, 'magento_mb05-black-0_none.png'));
    expect(Buffer.compare(controlIn.data, controlOut.data)).toBe(0);
  });
});
