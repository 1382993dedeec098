/**
 * remove_watermark end to end through the evaluation contract, the compiled binary:
 *   media-studio process --out DIR --format png --op 'remove_watermark={...}' INPUT...
 * The CLI hands processors its model provider; the output PNG must carry the restoration (scored as
 * bench/eval-wm.ts does) and a clean control must come out with the input's pixels.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { scoreRemoval } from '../../bench/watermark/metrics.js';
import { datasetFile } from '../helpers/datasets.js';
import { decodeFile } from '../helpers/models.js';
import { buildCli, processWithCli } from '../helpers/process-cli.js';

const SET = 'synthetic-watermarks';

const decode = decodeFile;

describe('media-studio process --op remove_watermark', () => {
  let out: string;
  beforeAll(async () => {
    out = await buildCli('wm');
  }, 180_000);

  it('removes a corner mark, keeps a clean control, and reports what it found', async () => {
    const marked = datasetFile(SET, 'watermarked', 'magento_ug04-bk-0_corner.jpg');
    const control = datasetFile(SET, 'watermarked', 'magento_mb05-black-0_none.jpg');
    const reports = await processWithCli(
      out,
      ['remove_watermark={"detection_sensitivity":0.5}'],
      [marked, control],
    );
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
