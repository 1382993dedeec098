/**
 * How much the learned upscaling beats Lanczos, on real photos with a known original.
 *
 *   npm run eval:sr -- DIR FACTOR [--match PREFIX] [--down area|cubic|both] [--plain] [--fp32] [--limit N] [--save DIR]
 *
 * Each photo in DIR (flattened on white, cropped to a multiple of FACTOR) is shrunk by FACTOR — `area`
 * (box mean) or `cubic` (sharp's antialiased bicubic) — and saved as JPEG q85, as a supplier's small photo
 * would be; then brought back to the original size by
 *   lanczos  Lanczos 3 (our own resampler: sharp enlarges with bicubic whatever `kernel` says), the fallback
 *   plain    with --plain: the fp32 model alone, ×4 then the area filter down, no blend, everywhere
 *   fp32     with --fp32: the same with the fp32 model (where enhance runs int8)
 *   enhance  what `enhance` runs: int8 model where there is detail, blended with Lanczos, back-projected
 * and compared with the original: PSNR over RGB, SSIM on luma, and blockiness on the JPEG grid (1 = none).
 * Means are printed per file-name prefix (`magento`, `solidus`, …) and overall.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadConfig } from '../src/config.js';
import { createModelProvider } from '../src/models/index.js';
import { realEsrganGeneralX4, realEsrganGeneralX4For } from '../src/models/realesrgan.js';
import {
  type SuperResolutionModel,
  type SuperResolutionOptions,
  superResolve,
} from '../src/processors/enhance/super-resolution.js';
import { blockiness, psnrRgb, ssimLuma } from '../test/helpers/image-metrics.js';
import { rgbaOf, type Shrink, shrinkLikeSupplier } from '../test/helpers/shrunk-photos.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    match: { type: 'string', default: '' },
    down: { type: 'string', default: 'area' },
    plain: { type: 'boolean', default: false },
    fp32: { type: 'boolean', default: false },
    limit: { type: 'string' },
    save: { type: 'string' },
  },
});
const [dir, factorArg] = positionals;
if (!dir || !factorArg) {
  console.error(
    'usage: npm run eval:sr -- DIR FACTOR [--match PREFIX] [--down area|cubic|both] [--plain] [--fp32] [--limit N]',
  );
  process.exit(2);
}
const factor = Number(factorArg);
if (![2, 3, 4].includes(factor)) throw new Error('FACTOR must be 2, 3 or 4');
if (!['area', 'cubic', 'both'].includes(values.down!)) throw new Error('--down must be area, cubic or both');
const downs: Shrink[] = values.down === 'both' ? ['area', 'cubic'] : [values.down as Shrink];

const config = loadConfig();
const provider = createModelProvider(config);
// The variant enhance runs on this machine (MODEL_PRECISION, CPU features): int8 or fp32.
const spec = realEsrganGeneralX4For(provider.precision);
const model: SuperResolutionModel = { session: await provider.session(spec), spec };
console.log(`enhance runs ${spec.name} here (MODEL_PRECISION=${config.MODEL_PRECISION})`);
const fp32: SuperResolutionModel | null =
  values.fp32 || values.plain
    ? { session: await provider.session(realEsrganGeneralX4), spec: realEsrganGeneralX4 }
    : null;

type Variant = { name: string; model: SuperResolutionModel | null; options: SuperResolutionOptions };
const variants: Variant[] = [
  { name: 'lanczos', model: null, options: {} },
  ...(values.plain
    ? [{ name: 'plain', model, options: { modelWeight: 1, backProjection: false, skipFlat: false } }]
    : []),
  ...(fp32 ? [{ name: 'fp32', model: fp32, options: {} }] : []),
  { name: 'enhance', model, options: {} },
];

let files = readdirSync(dir)
  .filter((f) => /\.(jpe?g|png|webp)$/i.test(f) && f.startsWith(values.match!))
  .sort();
if (values.limit) files = files.slice(0, Number(values.limit));

interface Row {
  group: string;
  down: string;
  name: string;
  psnr: number;
  ssim: number;
  block: number;
  seconds: number;
  coverage: number;
}
const rows: Row[] = [];
const fmt = (v: number, d = 2) => v.toFixed(d);

for (const down of downs) {
  console.log(`\n×${factor}, shrunk with ${down}, JPEG q85`);
  for (const file of files) {
    const meta = await sharp(join(dir, file)).metadata();
    const w = Math.floor(meta.width! / factor) * factor;
    const h = Math.floor(meta.height! / factor) * factor;
    const original = await rgbaOf(
      sharp(join(dir, file))
        .flatten({ background: '#ffffff' })
        .extract({ left: 0, top: 0, width: w, height: h }),
    );
    const small = await shrinkLikeSupplier(original, factor, down, 85);
    const line: string[] = [];
    for (const v of variants) {
      const started = performance.now();
      const { image, stats } = await superResolve(small, w, h, v.model, v.options);
      const seconds = (performance.now() - started) / 1000;
      const row: Row = {
        group: basename(file).split('_')[0]!,
        down,
        name: v.name,
        psnr: psnrRgb(image, original),
        ssim: ssimLuma(image, original),
        block: blockiness(image, 8 * factor),
        seconds,
        coverage: stats.modelCoverage,
      };
      rows.push(row);
      line.push(`${v.name} ${fmt(row.psnr)} dB ${fmt(row.ssim, 4)} blk ${fmt(row.block)}`);
      if (values.save) {
        await sharp(image.data, { raw: { width: w, height: h, channels: 4 } })
          .png()
          .toFile(
            join(values.save, `${basename(file).replace(/\.\w+$/, '')}.x${factor}.${down}.${v.name}.png`),
          );
      }
    }
    const cov = rows.at(-1)!.coverage;
    console.log(`${file.padEnd(36)} ${line.join('  ')}  (model on ${fmt(100 * cov, 0)} % of pixels)`);
  }
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
console.log(`\nmeans (×${factor}); Δ = enhance − lanczos`);
const groups = [...new Set(rows.map((r) => r.group)), 'all'];
for (const down of downs) {
  for (const group of groups) {
    const sel = rows.filter((r) => r.down === down && (group === 'all' || r.group === group));
    if (sel.length === 0) continue;
    const by = (name: string) => sel.filter((r) => r.name === name);
    const parts = variants.map((v) => {
      const rs = by(v.name);
      return `${v.name} ${fmt(mean(rs.map((r) => r.psnr)))} dB SSIM ${fmt(mean(rs.map((r) => r.ssim)), 4)} blk ${fmt(mean(rs.map((r) => r.block)))} ${fmt(mean(rs.map((r) => r.seconds)), 1)} s`;
    });
    const dPsnr = mean(by('enhance').map((r) => r.psnr)) - mean(by('lanczos').map((r) => r.psnr));
    const dSsim = mean(by('enhance').map((r) => r.ssim)) - mean(by('lanczos').map((r) => r.ssim));
    console.log(
      `${down.padEnd(5)} ${group.padEnd(9)} n=${String(by('lanczos').length).padEnd(3)} ${parts.join(' | ')} | Δ ${dPsnr >= 0 ? '+' : ''}${fmt(dPsnr)} dB, SSIM ${dSsim >= 0 ? '+' : ''}${fmt(dSsim, 4)}`,
    );
  }
}
await provider.release();
