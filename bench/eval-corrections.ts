/**
 * Do `enhance`'s corrections undo what they are for, and leave good photos alone?
 *
 *   npm run eval:enhance -- [DIR] [--match PREFIX] [--max-side PX] [--limit N]
 *
 * Takes well-exposed product photos (default: the Magento studio shots in ../shared/datasets/products),
 * scaled to at most `--max-side` px (default 640, to keep non-local means quick), applies known
 * degradations and runs `enhance` with upscaling and sharpening off:
 *
 *   contrast  v' = 128 + 0.75·(v − 128) on each channel             auto_contrast + auto_color (defaults)
 *   dim       v' = 0.8·v (a stop of exposure lost, about)           auto_contrast + auto_color
 *   warm      linear-light gains (1, 0.93, 0.80): a tungsten cast   auto_contrast + auto_color
 *   cool      linear-light gains (0.85, 0.95, 1): a shade cast       auto_contrast + auto_color
 *   noise     Gaussian σ = 8 levels per channel, seeded             + denoise
 *   none      the photo itself                                       all three corrections
 *
 * and prints, per degradation, PSNR and mean CIEDE2000 against the original before and after. A
 * correction works when "after" is closer than "before"; on `none` the photo must stay within 1 ΔE.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { enhance, enhanceParams } from '../src/processors/enhance.js';
import type { RawImage } from '../src/processors/types.js';
import { datasetsRoot } from '../test/helpers/datasets.js';
import { addGaussianNoise, colourCast, lowerContrast, scaleExposure } from '../test/helpers/degradations.js';
import { meanDeltaE, psnrRgb } from '../test/helpers/image-metrics.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    match: { type: 'string', default: 'magento_' },
    'max-side': { type: 'string', default: '640' },
    limit: { type: 'string' },
  },
});
const dir = positionals[0] ?? join(datasetsRoot, 'products', 'images');
const maxSide = Number(values['max-side']);

type Degradation = { name: string; apply: (img: RawImage) => RawImage; denoise: boolean };
const degradations: Degradation[] = [
  { name: 'contrast', apply: (img) => lowerContrast(img, 0.75), denoise: false },
  { name: 'dim', apply: (img) => scaleExposure(img, 0.8), denoise: false },
  { name: 'warm', apply: (img) => colourCast(img, [1, 0.93, 0.8]), denoise: false },
  { name: 'cool', apply: (img) => colourCast(img, [0.85, 0.95, 1]), denoise: false },
  { name: 'noise', apply: (img) => addGaussianNoise(img, 8), denoise: true },
  { name: 'none', apply: (img) => img, denoise: true },
];

let files = readdirSync(dir)
  .filter((f) => /\.(jpe?g|png|webp)$/i.test(f) && f.startsWith(values.match!))
  .sort();
if (values.limit) files = files.slice(0, Number(values.limit));

const sums = new Map<
  string,
  { psnrBefore: number; psnrAfter: number; deBefore: number; deAfter: number; worst: number; n: number }
>();
for (const file of files) {
  const { data, info } = await sharp(join(dir, file))
    .flatten({ background: '#ffffff' })
    .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const original: RawImage = { data, width: info.width, height: info.height, channels: 4 };
  const line: string[] = [];
  for (const d of degradations) {
    const degraded = d.apply(original);
    const params = enhanceParams.parse({ upscale: false, sharpen: false, denoise: d.denoise });
    const { image } = await enhance.run(degraded, params, { maxSidePx: 8192 });
    const before = d.name === 'none' ? Number.POSITIVE_INFINITY : psnrRgb(degraded, original);
    const after = psnrRgb(image, original);
    const deBefore = d.name === 'none' ? 0 : meanDeltaE(degraded, original);
    const deAfter = meanDeltaE(image, original);
    const s = sums.get(d.name) ?? { psnrBefore: 0, psnrAfter: 0, deBefore: 0, deAfter: 0, worst: 0, n: 0 };
    s.psnrBefore += Math.min(before, 99);
    s.psnrAfter += Math.min(after, 99);
    s.deBefore += deBefore;
    s.deAfter += deAfter;
    s.worst = Math.max(s.worst, deAfter);
    s.n++;
    sums.set(d.name, s);
    line.push(`${d.name} ΔE ${deBefore.toFixed(2)}→${deAfter.toFixed(2)}`);
  }
  console.log(`${file.padEnd(34)} ${line.join('  ')}`);
}

console.log(`\n${files.length} photos from ${dir}, longest side ≤ ${maxSide} px (PSNR capped at 99 dB)`);
console.log('degradation   PSNR before → after      mean ΔE2000 before → after   (worst photo after)');
for (const [name, s] of sums) {
  const psnr = `${(s.psnrBefore / s.n).toFixed(2)} → ${(s.psnrAfter / s.n).toFixed(2)} dB`;
  const de = `${(s.deBefore / s.n).toFixed(2)} → ${(s.deAfter / s.n).toFixed(2)}`;
  console.log(`${name.padEnd(12)}  ${psnr.padEnd(23)}  ${de.padEnd(27)}  (${s.worst.toFixed(2)})`);
}
