#!/usr/bin/env node
// `npm run demo`: runs `media-studio process` (the embedded default: no services) on the sample images
// and writes out/demo/index.html with each input beside its output and variants.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const out = join(root, 'out', 'demo');
const samples = join(root, 'samples');
const inputs = readdirSync(samples)
  .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
  .map((f) => join(samples, f));
const ops = [
  'replace_background={"color":"#ffffff"}',
  'resize={"width":1000,"height":1000,"mode":"pad","allow_enlarge":true,"background_color":"#ffffff"}',
];
mkdirSync(join(out, 'input'), { recursive: true });
const args = [
  join(root, 'bin', 'media-studio.js'),
  'process',
  '--out',
  out,
  '--format',
  'webp',
  '--quality',
  '85',
  '--sizes',
  '--json',
];
for (const op of ops) args.push('--op', op);
const stdout = execFileSync(process.execPath, [...args, ...inputs], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
const reports = stdout
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));

const rows = reports.map((r) => {
  const name = basename(r.input);
  copyFileSync(r.input, join(out, 'input', name));
  const outputs = r.outputs
    .map(
      (p) =>
        `<figure><img src="${basename(p)}" loading="lazy"><figcaption>${basename(p)}</figcaption></figure>`,
    )
    .join('');
  const steps = r.steps.map((s) => `${s.operation} ${s.ms} ms`).join(' · ');
  return `<section><h2>${name}</h2><p>${r.ok ? steps : `failed: ${r.error.code}`}</p><div class="row"><figure><img src="input/${name}"><figcaption>before</figcaption></figure>${outputs}</div></section>`;
});
writeFileSync(
  join(out, 'index.html'),
  `<!doctype html><meta charset="utf-8"><title>Media Studio demo</title>
<style>body{font:14px system-ui;margin:2rem;background:#fafafa}.row{display:flex;gap:1rem;align-items:flex-end;flex-wrap:wrap}
figure{margin:0}img{max-width:320px;max-height:320px;border:1px solid #ddd;background:repeating-conic-gradient(#eee 0 25%,#fff 0 50%) 50%/16px 16px}</style>
<h1>Media Studio — before / after</h1><p>operations: <code>${ops.join('</code> → <code>')}</code></p>${rows.join('\n')}`,
);
console.log(
  `demo: ${reports.filter((r) => r.ok).length}/${reports.length} images → ${join(out, 'index.html')}`,
);
if (reports.some((r) => !r.ok)) process.exitCode = 1;
