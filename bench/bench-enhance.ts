/**
 * Speed and memory of `enhance` at ×4: seconds per input megapixel, and the process's peak RSS.
 *
 *   npm run bench:enhance -- [DIR] [--match PREFIX] [--limit N] [--max-side PX] [--factor F] [--plain]
 *
 * Runs the `enhance` processor (default params, upscale_factor F = 4) on each photo in DIR (default: the
 * Magento studio shots), optionally scaled to at most --max-side px first, after one warm-up run that loads
 * the model. With --plain it times the straightforward model instead: fp32 Real-ESRGAN on every pixel, no
 * blend, no back-projection (what the "~10 s per input megapixel" refers to). Wall time and CPU time
 * (user + system of the whole process, onnxruntime's threads included) are both printed, with the load
 * average before and after, since other work on the machine shows up in wall time.
 */

import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadConfig } from '../src/config.js';
import { int8DotProducts } from '../src/models/cpu-features.js';
import { createModelProvider } from '../src/models/index.js';
import { realEsrganGeneralX4 } from '../src/models/realesrgan.js';
import { superResolve } from '../src/processors/enhance/super-resolution.js';
import { enhance, enhanceParams } from '../src/processors/enhance.js';
import type { RawImage } from '../src/processors/types.js';
import { datasetsRoot } from '../test/helpers/datasets.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    match: { type: 'string', default: 'magento_' },
    limit: { type: 'string' },
    'max-side': { type: 'string' },
    factor: { type: 'string', default: '4' },
    plain: { type: 'boolean', default: false },
  },
});
const dir = positionals[0] ?? join(datasetsRoot, 'products', 'images');
const factor = Number(values.factor);
let files = readdirSync(dir)
  .filter((f) => /\.(jpe?g|png|webp)$/i.test(f) && f.startsWith(values.match!))
  .sort();
if (values.limit) files = files.slice(0, Number(values.limit));

async function load(file: string): Promise<RawImage> {
  let pipeline = sharp(join(dir, file));
  if (values['max-side']) {
    const side = Number(values['max-side']);
    pipeline = pipeline.resize(side, side, { fit: 'inside', withoutEnlargement: true });
  }
  const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 4 };
}

const config = loadConfig();
const models = createModelProvider(config);
const params = enhanceParams.parse({ upscale_factor: factor });
const context = { maxSidePx: config.IMAGE_MAX_SIDE_PX, models };
const fp32 = values.plain
  ? { session: await models.session(realEsrganGeneralX4), spec: realEsrganGeneralX4 }
  : null;

async function once(image: RawImage): Promise<number> {
  if (!values.plain) {
    const r = await enhance.run(image, params, context);
    const up = r.metadata.upscale as { model_coverage?: number } | undefined;
    return up?.model_coverage ?? 0;
  }
  await superResolve(image, image.width * factor, image.height * factor, fp32, {
    modelWeight: 1,
    backProjection: false,
    skipFlat: false,
  });
  return 1;
}

const load0 = loadavg()[0]!;
console.log(
  `${values.plain ? 'plain model' : 'enhance'} ×${factor}, ${files.length} photos from ${dir}; load ${load0.toFixed(2)}; ` +
    `${values.plain ? 'fp32' : models.precision} (int8 dot products: ${int8DotProducts() ? 'yes' : 'no'})`,
);
await once(await load(files[0]!)); // warm-up: model load, first-run allocations
// How long the event loop stood still at worst (Kafka heartbeats and /health wait that long in a worker).
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let totalMp = 0;
let totalWall = 0;
let totalCpu = 0;
for (const file of files) {
  const image = await load(file);
  const mp = (image.width * image.height) / 1e6;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const coverage = await once(image);
  const wall = (performance.now() - t0) / 1000;
  const cpuUsed = process.cpuUsage(cpu0);
  const cpu = (cpuUsed.user + cpuUsed.system) / 1e6;
  totalMp += mp;
  totalWall += wall;
  totalCpu += cpu;
  console.log(
    `${file.padEnd(36)} ${image.width}×${image.height} ${mp.toFixed(2)} MP  ${wall.toFixed(1)} s  ` +
      `${(wall / mp).toFixed(2)} s/MP  cpu ${(cpu / mp).toFixed(2)} s/MP  model on ${(100 * coverage).toFixed(0)} %`,
  );
}
loopDelay.disable();
const rssMb = process.resourceUsage().maxRSS / 1024;
console.log(
  `\n${totalMp.toFixed(2)} input MP: ${(totalWall / totalMp).toFixed(2)} s per input MP wall, ` +
    `${(totalCpu / totalMp).toFixed(2)} CPU-s per input MP; peak RSS ${rssMb.toFixed(0)} MB; ` +
    `event loop delay max ${(loopDelay.max / 1e6).toFixed(0)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms; ` +
    `load ${load0.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`,
);
await models.release();
