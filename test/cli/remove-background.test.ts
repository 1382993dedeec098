/**
 * remove_background end to end through `media-studio process` (the evaluation contract): the built CLI
 * decodes the file, runs the operation with the process's model provider and encodes a PNG whose alpha is
 * the cut-out; chained with crop-to-subject and a replace_background, the plan runs as one. Scored against
 * the ground-truth mask with the same IoU threshold and reasoning as test/processors/remove-background.test.ts.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetFile } from '../helpers/datasets.js';
import { scoreMask } from '../helpers/mask-metrics.js';
import { buildCli, processWithCli } from '../helpers/process-cli.js';

const IOU_CORRECT = 0.97;

describe('media-studio process --op remove_background', () => {
  let out: string;
  beforeAll(async () => {
    out = await buildCli('bg');
  }, 180_000);

  it('writes a PNG cut-out whose alpha matches the ground-truth mask', { timeout: 300_000 }, async () => {
    const input = datasetFile('product-composites', 'images', 'mug_set_photo_12.jpg');
    const [report] = await processWithCli(out, ['remove_background={}'], [input]);
    expect(report?.ok).toBe(true);
    // ISNet, with U²-Net-p's second opinion only where ISNet leaves a choice open (this photo: none).
    expect(report?.steps[0]?.metadata.model).toBe('isnet');
    const { data: alpha, info } = await sharp(await readFile(report!.outputs[0]!))
      .extractChannel(3)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const truth = await sharp(datasetFile('product-composites', 'masks', 'mug_set_photo_12.png'))
      .greyscale()
      .raw()
      .toBuffer();
    expect(info.width * info.height).toBe(truth.length);
    expect(scoreMask(alpha, truth).iou).toBeGreaterThan(IOU_CORRECT);
  });

  it('chains a cropped cut-out into replace_background as one plan', { timeout: 300_000 }, async () => {
    const input = datasetFile('products', 'images', 'magento_mb01-blue-0.jpg');
    const [report] = await processWithCli(
      out,
      ['remove_background={"crop_to_subject":true,"margin":5}', 'replace_background={"color":"#ffffff"}'],
      [input],
    );
    expect(report?.ok).toBe(true);
    expect(report?.steps.map((s) => s.operation)).toEqual(['remove_background', 'replace_background']);
    expect(report?.steps[0]?.metadata.cropped).toBe(true);
    const meta = await sharp(await readFile(report!.outputs[0]!)).metadata();
    const source = await sharp(input).metadata();
    expect(meta.width! * meta.height!).toBeLessThan(source.width! * source.height!);
  });
});
