/**
 * Scores `remove_watermark` on a folder of marked images, beside the naive pipeline (PP-OCRv4 mask dilated,
 * diffusion fill; bench/watermark/naive.ts):
 *
 *   npm run eval:wm -- DIR [--out OUT_DIR] [--params JSON] [--no-naive] [--match REGEX]
 *
 * DIR is either a synthetic set (MANIFEST.csv `file,base,kind`; watermarked/<file>.jpg, clean/<file>.png,
 * masks/<file>.png with 255 on the mark; kind `none` = a control) or the real set (images/<stem>.*, optional
 * masks/<stem>.png with DARK on the mark, optional clean/<stem>.png; a mask is derived from clean where only
 * that exists). Per image and mean (bench/watermark/metrics.ts): inside the mark grown by 3 px,
 * PSNR(out, clean) − PSNR(in, clean) (target mean ≥ +10 dB); outside the marks and on controls, PSNR(out, in)
 * (target ≥ 40 dB everywhere). With --out, outputs are written as <name>.ours.png and <name>.naive.png to look
 * at, and our metadata (regions found, opacity and colour fitted, inpainted pixels) as <name>.ours.json.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadConfig } from '../src/config.js';
import { createModelProvider } from '../src/models/index.js';
import { decodeImage } from '../src/processors/codec.js';
import { parseParams } from '../src/processors/index.js';
import { removeWatermark } from '../src/processors/remove-watermark.js';
import type { Metadata, RawImage } from '../src/processors/types.js';
import { IDENTICAL_DB, scoreRemoval, type WatermarkScore } from './watermark/metrics.js';
import { naiveRemoval } from './watermark/naive.js';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    params: { type: 'string', default: '{}' },
    'no-naive': { type: 'boolean', default: false },
    /** Only the images whose name matches, to look at a few closely. */
    match: { type: 'string' },
  },
});
const dir = path.resolve(positionals[0] ?? '../shared/datasets/synthetic-watermarks');

interface Case {
  readonly name: string;
  readonly kind: string;
  readonly input: string;
  readonly clean: string | null;
  readonly mask: string | null;
  /** Mask polarity: true when dark pixels mark the watermark. */
  readonly darkMask: boolean;
}

function listCases(root: string): Case[] {
  const manifest = path.join(root, 'MANIFEST.csv');
  if (existsSync(path.join(root, 'watermarked'))) {
    return readFileSync(manifest, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','))
      .map(([file, , kind]) => ({
        name: file!,
        kind: kind!,
        input: path.join(root, 'watermarked', `${file}.jpg`),
        clean: path.join(root, 'clean', `${file}.png`),
        mask: kind === 'none' ? null : path.join(root, 'masks', `${file}.png`),
        darkMask: false,
      }));
  }
  return readdirSync(path.join(root, 'images'))
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort()
    .map((f) => {
      const stem = f.replace(/\.[^.]+$/, '');
      const clean = path.join(root, 'clean', `${stem}.png`);
      const mask = path.join(root, 'masks', `${stem}.png`);
      return {
        name: stem,
        kind: stem.split('_')[0]!,
        input: path.join(root, 'images', f),
        clean: existsSync(clean) ? clean : null,
        mask: existsSync(mask) ? mask : null,
        darkMask: true,
      };
    });
}

async function decode(file: string): Promise<RawImage> {
  return (await decodeImage(readFileSync(file), { maxPixels: 100_000_000 })).image;
}

async function readMask(c: Case, input: RawImage, clean: RawImage | null): Promise<Uint8Array | null> {
  if (c.mask) {
    const grey = await sharp(c.mask)
      .flatten({ background: '#ffffff' })
      .greyscale()
      .resize(input.width, input.height, { fit: 'fill' })
      .raw()
      .toBuffer();
    return Uint8Array.from(grey, (v) => ((c.darkMask ? v < 128 : v > 127) ? 1 : 0));
  }
  if (clean && c.kind !== 'none') {
    // Real pairs without a mask: the mark is wherever input and clean differ by more than JPEG noise.
    const m = new Uint8Array(input.width * input.height);
    for (let i = 0; i < m.length; i++) {
      let d = 0;
      for (let k = 0; k < 3; k++) d = Math.max(d, Math.abs(input.data[i * 4 + k]! - clean.data[i * 4 + k]!));
      m[i] = d > 6 ? 1 : 0;
    }
    return m;
  }
  return null;
}

async function writePng(file: string, image: RawImage): Promise<void> {
  await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .png()
    .toFile(file);
}

const pct = (v: number | null) => (v === null ? '     –' : `${(100 * v).toFixed(0)}%`.padStart(6));

const fmt = (v: number | null) =>
  v === null ? '     –' : v >= IDENTICAL_DB ? '   ∞  ' : v.toFixed(2).padStart(6);

async function main(): Promise<void> {
  const only = flags.match ? new RegExp(flags.match) : null;
  const cases = listCases(dir).filter((c) => !only || only.test(c.name));
  const models = createModelProvider(loadConfig());
  const params = parseParams(removeWatermark, JSON.parse(flags.params));
  if (flags.out) mkdirSync(flags.out, { recursive: true });
  const rows: { c: Case; ours: WatermarkScore; naive: WatermarkScore | null; meta: Metadata; ms: number }[] =
    [];
  console.log(`remove_watermark on ${dir} (${cases.length} images), params ${JSON.stringify(params)}`);
  console.log(
    `${'image'.padEnd(40)} ${'kind'.padEnd(7)} | ours: gain  in→out dB  outside missed touched | naive: gain outside touched | found   ms`,
  );
  for (const c of cases) {
    const input = await decode(c.input);
    const clean = c.clean ? await decode(c.clean) : null;
    const mask = await readMask(c, input, clean);
    const started = performance.now();
    const result = await removeWatermark.run(input, params, { maxSidePx: 100_000, models });
    const ms = performance.now() - started;
    const ours = scoreRemoval(input, result.image, clean, mask);
    let naive: WatermarkScore | null = null;
    if (!flags['no-naive']) {
      const n = await naiveRemoval(input, models);
      naive = scoreRemoval(input, n, clean, mask);
      if (flags.out) await writePng(path.join(flags.out, `${c.name}.naive.png`), n);
    }
    if (flags.out) {
      await writePng(path.join(flags.out, `${c.name}.ours.png`), result.image);
      writeFileSync(
        path.join(flags.out, `${c.name}.ours.json`),
        `${JSON.stringify(result.metadata, null, 1)}\n`,
      );
    }
    const found = Array.isArray(result.metadata.regions) ? result.metadata.regions.length : 0;
    rows.push({ c, ours, naive, meta: result.metadata, ms });
    console.log(
      `${c.name.padEnd(40)} ${c.kind.padEnd(7)} | ${fmt(ours.gainDb)} ${fmt(ours.inputDb)}→${fmt(ours.outputDb)} ${fmt(ours.outsideDb)} ${pct(ours.missedShare)} ${pct(ours.touchedShare)} |` +
        ` ${fmt(naive?.gainDb ?? null)} ${fmt(naive?.outsideDb ?? null)} ${pct(naive?.touchedShare ?? null)} | ${String(found).padStart(5)} ${ms.toFixed(0).padStart(5)}`,
    );
  }
  await models.release();
  summarise(rows);
}

function summarise(rows: { c: Case; ours: WatermarkScore; naive: WatermarkScore | null }[]): void {
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
  const line = (label: string, subset: typeof rows) => {
    const gains = subset.map((r) => r.ours.gainDb).filter((v): v is number => v !== null);
    const nGains = subset
      .map((r) => r.naive?.gainDb)
      .filter((v): v is number => v !== null && v !== undefined);
    const outs = subset.map((r) => r.ours.outsideDb);
    const nOuts = subset.map((r) => r.naive?.outsideDb).filter((v): v is number => v !== undefined);
    const below = outs.filter((v) => v < 40).length;
    const missed = subset.map((r) => r.ours.missedShare).filter((v): v is number => v !== null);
    const touched = (of: (r: (typeof subset)[number]) => number | null | undefined) => {
      const shares = subset.map(of).filter((v): v is number => v !== null && v !== undefined);
      return pct(shares.length ? mean(shares) : null);
    };
    console.log(
      `${label.padEnd(12)} n=${String(subset.length).padStart(2)} | ours gain ${fmt(mean(gains))} dB, outside mean ${fmt(mean(outs))} min ${fmt(Math.min(...outs))} (<40 dB: ${below}), missed ${pct(missed.length ? mean(missed) : null)}, touched ${touched((r) => r.ours.touchedShare)}` +
        ` | naive gain ${fmt(mean(nGains))} dB, outside mean ${fmt(mean(nOuts))} min ${fmt(nOuts.length ? Math.min(...nOuts) : null)}, touched ${touched((r) => r.naive?.touchedShare)}`,
    );
  };
  console.log('');
  console.log(
    '"outside" is PSNR(out, in) outside the grown mask; for a marked image without a mask (real stock previews)\n' +
      'it covers the whole image, so there it measures how much was changed, mark included, not damage.\n' +
      '"missed" is the share of the error left inside the mark that lies in pixels the output did not change\n' +
      '(marks not found), the rest lies in pixels it restored imperfectly. "touched" is the share of the mark\'s\n' +
      'pixels (ungrown mask) the output changed by more than 2 levels: without a clean original, the one sign of removal.',
  );
  for (const kind of [...new Set(rows.map((r) => r.c.kind))])
    line(
      kind,
      rows.filter((r) => r.c.kind === kind),
    );
  line('all', rows);
}

await main();
