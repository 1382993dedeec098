/**
 * Scores `remove_background` against ground-truth masks, beside the raw-model baseline (ISNet at 1024,
 * mask upsampled bilinearly, nothing else):
 *
 *   npm run eval:bg -- DIR [--params JSON] [--out OUT_DIR] [--no-baseline]
 *   npm run eval:bg -- --peer ../shared/datasets/peer-reference [--params JSON] [--out OUT_DIR]
 *
 * DIR has images/<stem>.* and masks/<stem>.png (grey; > 127 is foreground, as the datasets' READMEs say).
 * Per image and mean: IoU of (alpha ≥ 128) with (mask > 127), and MAE of alpha against the mask, both 0..1.
 * With --peer, the stored rembg outputs are scored against ours instead (agreement, not accuracy: none of
 * them is ground truth), and BiRefNet-massive's matte, the strongest model rembg ships, serves as the
 * pseudo ground truth for ours, the raw baseline and rembg's own ISNet and U²-Net sessions.
 * The load average is printed first and last: timings on a busy machine are not the processor's.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadConfig } from '../src/config.js';
import { createModelProvider } from '../src/models/index.js';
import { isnet } from '../src/models/isnet.js';
import type { ModelProvider } from '../src/models/model-provider.js';
import { predictSaliency } from '../src/models/salient-model.js';
import { decodeImage } from '../src/processors/codec.js';
import { parseParams } from '../src/processors/index.js';
import { resizeBilinear } from '../src/processors/matting/float-map.js';
import { removeBackground } from '../src/processors/remove-background.js';
import type { RawImage } from '../src/processors/types.js';
import { type MaskScore, scoreMask } from '../test/helpers/mask-metrics.js';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    params: { type: 'string', default: '{}' },
    out: { type: 'string' },
    peer: { type: 'string' },
    'no-baseline': { type: 'boolean', default: false },
  },
});

type Score = MaskScore;

const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

async function decode(file: string): Promise<RawImage> {
  return (await decodeImage(readFileSync(file), { maxPixels: 100_000_000 })).image;
}

async function grey(file: string, width: number, height: number): Promise<Uint8Array> {
  const { data, info } = await sharp(readFileSync(file))
    .flatten({ background: '#000000' })
    .toColourspace('b-w')
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height) {
    throw new Error(`${file} is ${info.width}×${info.height}, its image ${width}×${height}`);
  }
  return new Uint8Array(data);
}

/** The alpha of an RGBA file (a peer's cut-out). */
async function alphaOf(file: string): Promise<Uint8Array> {
  const data = await sharp(readFileSync(file)).ensureAlpha().extractChannel(3).raw().toBuffer();
  return new Uint8Array(data);
}

const alphaChannel = (image: RawImage) => {
  const a = new Uint8Array(image.width * image.height);
  for (let i = 0; i < a.length; i++) a[i] = image.data[i * 4 + 3]!;
  return a;
};

/** The issue's baseline: plain ISNet at 1024, bilinear upsampling, nothing else. */
async function rawBaseline(models: ModelProvider, image: RawImage): Promise<Uint8Array> {
  const side = isnet.input.trainedSize;
  const rgb = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .flatten({ background: '#ffffff' })
    .resize(side, side, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  const map = await predictSaliency(await models.session(isnet), isnet, new Uint8Array(rgb), side, side);
  const up = resizeBilinear(map, image.width, image.height).data;
  return Uint8Array.from(up, (v) => Math.round(v * 255));
}

async function evaluateDataset(dir: string, models: ModelProvider): Promise<void> {
  const params = parseParams(removeBackground, JSON.parse(flags.params));
  const files = readdirSync(path.join(dir, 'images')).sort();
  console.log(`remove_background on ${dir} (${files.length} images), params ${JSON.stringify(params)}`);
  console.log(`load average at start: ${load()}`);
  console.log(`${'image'.padEnd(46)}   IoU    MAE  | raw IoU   MAE  | model         ms`);
  const ours: Score[] = [];
  const raw: Score[] = [];
  let totalMs = 0;
  for (const file of files) {
    const stem = file.replace(/\.[^.]+$/, '');
    const image = await decode(path.join(dir, 'images', file));
    const truth = await grey(path.join(dir, 'masks', `${stem}.png`), image.width, image.height);
    const started = performance.now();
    const result = await removeBackground.run(
      image,
      { ...params, mask_only: false, crop_to_subject: false },
      {
        maxSidePx: 100_000,
        models,
      },
    );
    const ms = performance.now() - started;
    totalMs += ms;
    const score = scoreMask(alphaChannel(result.image), truth);
    ours.push(score);
    let rawText = '      –      – ';
    if (!flags['no-baseline']) {
      const r = scoreMask(await rawBaseline(models, image), truth);
      raw.push(r);
      rawText = `${r.iou.toFixed(4)} ${r.mae.toFixed(4)}`;
    }
    if (flags.out) {
      mkdirSync(flags.out, { recursive: true });
      await sharp(result.image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
        .png()
        .toFile(path.join(flags.out, `${stem}.png`));
    }
    console.log(
      `${stem.slice(0, 46).padEnd(46)} ${score.iou.toFixed(4)} ${score.mae.toFixed(4)} | ${rawText} | ` +
        `${String(result.metadata.model).padEnd(12)} ${ms.toFixed(0).padStart(6)}`,
    );
  }
  const mean = (xs: Score[], k: keyof Score) => xs.reduce((a, s) => a + s[k], 0) / Math.max(1, xs.length);
  console.log(
    `${'MEAN'.padEnd(46)} ${mean(ours, 'iou').toFixed(4)} ${mean(ours, 'mae').toFixed(4)} | ` +
      `${raw.length ? `${mean(raw, 'iou').toFixed(4)} ${mean(raw, 'mae').toFixed(4)}` : '      –      – '} | ` +
      `${(totalMs / files.length / 1000).toFixed(2)} s/image`,
  );
  console.log(`load average at end: ${load()}`);
}

/** rembg's stored outputs for its own fixtures: agreement with ours, and everyone against BiRefNet-massive. */
async function evaluatePeers(dir: string, models: ModelProvider): Promise<void> {
  const params = parseParams(removeBackground, JSON.parse(flags.params));
  const fixtures = path.join(dir, 'rembg', 'fixtures');
  const results = path.join(dir, 'rembg', 'results');
  const reference = 'birefnet-massive';
  const compared = ['isnet-general-use', 'u2net', 'u2netp', 'birefnet-general'];
  console.log(`remove_background vs rembg's stored outputs in ${dir}, params ${JSON.stringify(params)}`);
  console.log(`load average at start: ${load()}`);
  console.log(`scores against rembg ${reference} (pseudo ground truth), IoU / MAE`);
  console.log(
    `${'fixture'.padEnd(14)} ${['ours', 'raw isnet', ...compared.map((c) => `rembg ${c}`)].map((c) => c.padStart(25)).join('')}`,
  );
  for (const file of readdirSync(fixtures).sort()) {
    const stem = file.replace(/\.[^.]+$/, '');
    const refFile = path.join(results, `${stem}.${reference}.png`);
    if (!existsSync(refFile)) continue;
    const image = await decode(path.join(fixtures, file));
    const truth = await alphaOf(refFile);
    const result = await removeBackground.run(
      image,
      { ...params, mask_only: false, crop_to_subject: false },
      {
        maxSidePx: 100_000,
        models,
      },
    );
    if (flags.out) {
      mkdirSync(flags.out, { recursive: true });
      await sharp(result.image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
        .png()
        .toFile(path.join(flags.out, `${stem}.png`));
    }
    const cells = [
      scoreMask(alphaChannel(result.image), truth),
      scoreMask(await rawBaseline(models, image), truth),
    ];
    for (const c of compared)
      cells.push(scoreMask(await alphaOf(path.join(results, `${stem}.${c}.png`)), truth));
    console.log(
      `${stem.padEnd(14)} ${cells.map((s) => `${s.iou.toFixed(3)} / ${s.mae.toFixed(3)}`.padStart(25)).join('')}`,
    );
  }
  console.log(`load average at end: ${load()}`);
}

async function main(): Promise<void> {
  const models = createModelProvider(loadConfig());
  try {
    if (flags.peer) await evaluatePeers(path.resolve(flags.peer), models);
    else
      await evaluateDataset(path.resolve(positionals[0] ?? '../shared/datasets/product-composites'), models);
  } finally {
    await models.release();
  }
}

await main();
