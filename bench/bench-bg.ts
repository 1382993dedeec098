/**
 * Speed and memory of `remove_background`, on the product photos (no ground truth needed):
 *
 *   npm run bench:bg -- [DIR] [--params JSON] [--rounds N] [--limit N]
 *
 * One warm-up image (model loading and the first session run are not counted), then every image of
 * DIR/images (default ../shared/datasets/products/images) `rounds` times. Prints the time per image per
 * step, wall clock and CPU (mean and median, from the processor's own `timings_ms` and `cpu_ms`; CPU counts
 * every thread, so inference shows about threads × wall), the total per image, the peak RSS, and
 * the RSS after each round: memory must stay flat over a long run (no growth from round 2 on beyond noise).
 * The load average is printed first and last: timings on a busy machine are not the processor's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { createModelProvider } from '../src/models/index.js';
import { decodeImage } from '../src/processors/codec.js';
import { parseParams } from '../src/processors/index.js';
import { removeBackground } from '../src/processors/remove-background.js';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    params: { type: 'string', default: '{}' },
    rounds: { type: 'string', default: '3' },
    limit: { type: 'string' },
  },
});

const dir = path.resolve(positionals[0] ?? '../shared/datasets/products/images');
const rounds = Number(flags.rounds);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

function stats(xs: number[]): { mean: number; median: number } {
  const sorted = [...xs].sort((a, b) => a - b);
  return {
    mean: xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length),
    median: sorted[Math.floor(sorted.length / 2)] ?? 0,
  };
}

async function main(): Promise<void> {
  const params = parseParams(removeBackground, JSON.parse(flags.params));
  const files = readdirSync(dir)
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort()
    .slice(0, flags.limit ? Number(flags.limit) : undefined);
  // Decode once: the benchmark measures the processor, not JPEG decoding.
  const images = [];
  for (const f of files)
    images.push((await decodeImage(readFileSync(path.join(dir, f)), { maxPixels: 100_000_000 })).image);
  const models = createModelProvider(loadConfig());
  const context = { maxSidePx: 100_000, models };
  console.log(
    `remove_background on ${dir}: ${files.length} images × ${rounds} rounds, params ${JSON.stringify(params)}`,
  );
  console.log(`load average at start: ${load()}`);

  const warm = performance.now();
  await removeBackground.run(images[0]!, params, context);
  console.log(
    `warm-up (model load + first run): ${((performance.now() - warm) / 1000).toFixed(2)} s, RSS ${mb(process.memoryUsage().rss)}`,
  );

  const steps = new Map<string, number[]>();
  const cpuSteps = new Map<string, number[]>();
  const totals: number[] = [];
  const cpuTotals: number[] = [];
  const megapixels: number[] = [];
  const rssAfterRound: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const image of images) {
      const started = performance.now();
      const startedCpu = process.cpuUsage();
      const { metadata } = await removeBackground.run(image, params, context);
      totals.push(performance.now() - started);
      const used = process.cpuUsage(startedCpu);
      cpuTotals.push((used.user + used.system) / 1000);
      megapixels.push((image.width * image.height) / 1e6);
      const timings = metadata.timings_ms as Record<string, number>;
      for (const [step, ms] of Object.entries(timings)) {
        if (!steps.has(step)) steps.set(step, []);
        steps.get(step)!.push(ms);
      }
      for (const [step, ms] of Object.entries(metadata.cpu_ms as Record<string, number>)) {
        if (!cpuSteps.has(step)) cpuSteps.set(step, []);
        cpuSteps.get(step)!.push(ms);
      }
    }
    // Let V8 settle before sampling, so the figure is what stays, not garbage not yet collected.
    (globalThis as { gc?: () => void }).gc?.();
    rssAfterRound.push(process.memoryUsage().rss);
    console.log(`round ${round + 1}: RSS ${mb(rssAfterRound.at(-1)!)}, load ${load()}`);
  }

  console.log(`\nper image (${totals.length} runs, mean ${stats(megapixels).mean.toFixed(2)} MP):`);
  // A step that ran only for some images (auto's ISNet pass) is averaged over the images it ran for.
  console.log(
    `${'step'.padEnd(16)} ${'runs'.padStart(5)} ${'wall mean'.padStart(10)} ${'median'.padStart(7)} ${'cpu mean'.padStart(9)} ${'median'.padStart(7)}  (ms)`,
  );
  const row = (step: string, runs: number, wall: number[], cpu: number[]) => {
    const w = stats(wall);
    const c = stats(cpu);
    console.log(
      `${step.padEnd(16)} ${String(runs).padStart(5)} ${w.mean.toFixed(0).padStart(10)} ${w.median.toFixed(0).padStart(7)} ${c.mean.toFixed(0).padStart(9)} ${c.median.toFixed(0).padStart(7)}`,
    );
  };
  for (const [step, xs] of steps) row(step, xs.length, xs, cpuSteps.get(step) ?? []);
  row('total', totals.length, totals, cpuTotals);
  const peak = process.resourceUsage().maxRSS * 1024;
  const drift = rssAfterRound.at(-1)! - rssAfterRound[0]!;
  console.log(
    `\npeak RSS ${mb(peak)}; RSS after each round ${rssAfterRound.map(mb).join(', ')}; drift first→last round ${mb(drift)}`,
  );
  console.log(`load average at end: ${load()}`);
  await models.release();
}

await main();
