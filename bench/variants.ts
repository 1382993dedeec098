/**
 * CPU cost and bytes of finalize's JPEG variants against a Pillow port of the seed (bench/pillow_variants.py).
 *
 *   npm run bench:variants -- [IMAGES_DIR] [--repeats N] [--quality Q] [--concurrency N] [--no-pillow]
 *
 * Every image is decoded once as ingest does (not counted). CPU is process.cpuUsage() user + system, so
 * libvips and V8 helper threads count too; each figure is the median of `repeats` runs after one warm-up.
 * The seed's variant set is thumbnail + medium + large, without `original`; those three are compared
 * (`ours 3` = encodeVariants with exactly those names). `ours 4` is what finalize really runs, encodeOutputs
 * with the original, whose bytes `large` shares when the image is at most 1600 px.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { decodeImage } from '../src/processors/codec.js';
import {
  type EncodedVariant,
  encodeOutputs,
  encodeVariants,
  type OutputSpec,
} from '../src/processors/encode-output.js';
import type { RawImage } from '../src/processors/types.js';

const SEED_VARIANTS = ['thumbnail', 'medium', 'large'] as const;
type SeedVariant = (typeof SEED_VARIANTS)[number];
const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp)$/i;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    repeats: { type: 'string', default: '7' },
    quality: { type: 'string', default: '90' },
    concurrency: { type: 'string' },
    'no-pillow': { type: 'boolean', default: false },
  },
});
const imagesDir = path.resolve(
  positionals[0] ?? path.resolve(repoRoot, '../shared/datasets/products/images'),
);
const repeats = Number(flags.repeats);
const quality = Number(flags.quality);
if (flags.concurrency !== undefined) sharp.concurrency(Number(flags.concurrency));

interface PillowImage {
  name: string;
  cpu_ms: number;
  encode_ms: number;
  variants: Record<SeedVariant, { width: number; height: number; bytes: number }>;
  original: { cpu_ms: number; bytes: number };
}
interface PillowReport {
  pillow: string;
  libjpeg_turbo: string | null;
  images: PillowImage[];
}

interface OurImage {
  name: string;
  width: number;
  height: number;
  seedSetMs: number;
  seedSetWallMs: number;
  fullMs: number;
  originalMs: number;
  bytes: Record<SeedVariant | 'original', number>;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
const sum = (values: number[]) => values.reduce((total, v) => total + v, 0);

/** Median CPU ms (user + system, all threads) and median wall ms of `run`. */
async function timed(run: () => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  await run(); // warm-up
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    const start = process.cpuUsage();
    await run();
    const used = process.cpuUsage(start);
    wall.push(performance.now() - started);
    cpu.push((used.user + used.system) / 1000);
  }
  return { cpu: median(cpu), wall: median(wall) };
}

const bytesOf = (variants: EncodedVariant[], name: string) =>
  variants.find((v) => v.name === name)?.data.length ?? 0;

async function measureOurs(name: string, image: RawImage): Promise<OurImage> {
  const spec: OutputSpec = { format: 'jpeg', quality, generateSizes: true };
  const full = await encodeOutputs(image, spec);
  const seedSet = await timed(() => encodeVariants(image, spec, SEED_VARIANTS));
  return {
    name,
    width: image.width,
    height: image.height,
    seedSetMs: seedSet.cpu,
    seedSetWallMs: seedSet.wall,
    fullMs: (await timed(() => encodeOutputs(image, spec))).cpu,
    originalMs: (await timed(() => encodeOutputs(image, { ...spec, generateSizes: false }))).cpu,
    bytes: {
      thumbnail: bytesOf(full, 'thumbnail'),
      medium: bytesOf(full, 'medium'),
      large: bytesOf(full, 'large'),
      original: bytesOf(full, 'original'),
    },
  };
}

/** Why the Pillow baseline cannot run, or null when it can. */
function pillowUnavailable(): string | null {
  if (flags['no-pillow']) return 'Pillow baseline skipped (--no-pillow).';
  const probe = spawnSync('python3', ['-c', 'import PIL'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return 'Pillow baseline skipped: python3 with Pillow is needed (pip install pillow).';
  }
  return null;
}

/** Runs the Pillow port on one image, right after ours, so both see the same load on a shared machine. */
function runPillow(file: string): PillowReport {
  const script = path.join(repoRoot, 'bench', 'pillow_variants.py');
  const run = spawnSync('python3', [script, file, String(repeats), String(quality)], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`Pillow baseline failed on ${file}: ${run.stderr}`);
  return JSON.parse(run.stdout) as PillowReport;
}

const pct = (ours: number, theirs: number) => `${(((ours - theirs) / theirs) * 100).toFixed(1)}%`;
const ms = (v: number) => v.toFixed(1);

async function main() {
  const files = readdirSync(imagesDir)
    .filter((f) => IMAGE_EXTENSIONS.test(f))
    .sort();
  console.log(
    `bench:variants — ${files.length} images in ${imagesDir}; jpeg q${quality}; median of ${repeats}; ` +
      `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}), sharp.concurrency()=${sharp.concurrency()}`,
  );
  const unavailable = pillowUnavailable();
  if (unavailable) console.log(unavailable);
  const ours: OurImage[] = [];
  const theirs = new Map<string, PillowImage>();
  let pillowVersion = '';
  for (const file of files) {
    const filePath = path.join(imagesDir, file);
    const { image } = await decodeImage(readFileSync(filePath), { maxPixels: 100_000_000 });
    ours.push(await measureOurs(file, image));
    if (unavailable) continue;
    const report = runPillow(filePath);
    pillowVersion = `Pillow ${report.pillow} (libjpeg-turbo ${report.libjpeg_turbo ?? '?'})`;
    for (const result of report.images) theirs.set(result.name, result);
  }
  if (pillowVersion) console.log(pillowVersion);

  const rows = ours.map((o) => {
    const p = theirs.get(o.name);
    const ourSeedBytes = sum(SEED_VARIANTS.map((v) => o.bytes[v]));
    const theirSeedBytes = p ? sum(SEED_VARIANTS.map((v) => p.variants[v].bytes)) : Number.NaN;
    return {
      image: o.name,
      source: `${o.width}x${o.height}`,
      'ours 3 ms': ms(o.seedSetMs),
      'pillow 3 ms': p ? ms(p.cpu_ms) : '-',
      ratio: p ? (o.seedSetMs / p.cpu_ms).toFixed(2) : '-',
      'pillow enc ms': p ? ms(p.encode_ms) : '-',
      'ours t/m/l bytes': SEED_VARIANTS.map((v) => o.bytes[v]).join('/'),
      'pillow t/m/l bytes': p ? SEED_VARIANTS.map((v) => p.variants[v].bytes).join('/') : '-',
      'bytes diff': p ? pct(ourSeedBytes, theirSeedBytes) : '-',
      'ours 4 ms': ms(o.fullMs),
      'orig ms': ms(o.originalMs),
      'orig bytes': o.bytes.original,
    };
  });
  console.table(rows);

  const compared = ours.filter((o) => theirs.has(o.name));
  const lines = [
    `mean CPU ms, thumbnail+medium+large: ours ${ms(mean(ours.map((o) => o.seedSetMs)))} ` +
      `(wall ${ms(mean(ours.map((o) => o.seedSetWallMs)))})`,
    `mean CPU ms, finalize as run (original + 3 variants): ours ${ms(mean(ours.map((o) => o.fullMs)))}`,
    `mean CPU ms, original only: ours ${ms(mean(ours.map((o) => o.originalMs)))}`,
  ];
  if (compared.length > 0) {
    const p = (o: OurImage) => theirs.get(o.name)!;
    const pillowMs = mean(compared.map((o) => p(o).cpu_ms));
    const ourMs = mean(compared.map((o) => o.seedSetMs));
    const fullMs = mean(compared.map((o) => o.fullMs));
    lines[0] += ` vs Pillow ${ms(pillowMs)} → ratio ${(ourMs / pillowMs).toFixed(3)} (target ≤ 0.333)`;
    lines[1] += ` vs Pillow's 3 variants ${ms(pillowMs)} → ratio ${(fullMs / pillowMs).toFixed(3)}`;
    lines[2] += ` vs Pillow ${ms(mean(compared.map((o) => p(o).original.cpu_ms)))}`;
    const floor = mean(compared.map((o) => p(o).encode_ms));
    lines.push(
      `Pillow's JPEG encoding alone of the 3 variants (no resizing): ${ms(floor)} ms = ` +
        `${((floor / pillowMs) * 100).toFixed(0)}% of its total; one third of its total is ${ms(pillowMs / 3)} ms`,
    );
    for (const v of SEED_VARIANTS) {
      const ourBytes = sum(compared.map((o) => o.bytes[v]));
      const theirBytes = sum(compared.map((o) => p(o).variants[v].bytes));
      lines.push(`bytes ${v}: ours ${ourBytes} vs Pillow ${theirBytes} (${pct(ourBytes, theirBytes)})`);
    }
    const ourBytes = sum(compared.map((o) => sum(SEED_VARIANTS.map((v) => o.bytes[v]))));
    const theirBytes = sum(compared.map((o) => sum(SEED_VARIANTS.map((v) => p(o).variants[v].bytes))));
    lines.push(
      `bytes thumbnail+medium+large: ours ${ourBytes} vs Pillow ${theirBytes} (${pct(ourBytes, theirBytes)})`,
    );
    const ourOriginal = sum(compared.map((o) => o.bytes.original));
    const theirOriginal = sum(compared.map((o) => p(o).original.bytes));
    lines.push(
      `bytes original: ours ${ourOriginal} vs Pillow ${theirOriginal} (${pct(ourOriginal, theirOriginal)})`,
    );
  }
  for (const line of lines) console.log(line);
}

await main();
