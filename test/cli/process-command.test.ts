/**
 * The `media-studio process` contract every operation is evaluated through, run as the real binary:
 *   media-studio process --out DIR [--format …] [--quality N] [--sizes] --op NAME[=JSON]... INPUT...
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin', 'media-studio.js');
const sample = join(root, 'samples', 'mug-on-table.jpg');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('media-studio process', () => {
  let out: string;
  beforeAll(async () => {
    // The CLI runs the compiled code: build it as `npm ci` (prepare) and `npm test` do.
    await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root });
    out = await mkdtemp(join(tmpdir(), 'ms-cli-'));
  });

  it('applies operations in order and writes DIR/<stem>.<ext>', async () => {
    const res = await cli([
      'process',
      '--out',
      out,
      '--format',
      'jpeg',
      '--quality',
      '80',
      '--op',
      'resize={"width":600,"height":600,"mode":"fill"}',
      '--op',
      'crop={"x":100,"y":100,"width":300,"height":200}',
      sample,
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const meta = await sharp(join(out, 'mug-on-table.jpg')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 300, 200]);
  });

  it('writes the size variants with --sizes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ms-cli-sizes-'));
    const res = await cli(['process', '--out', dir, '--format', 'webp', '--sizes', sample]);
    expect(res.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual([
      'mug-on-table.large.webp',
      'mug-on-table.medium.webp',
      'mug-on-table.thumbnail.webp',
      'mug-on-table.webp',
    ]);
    const thumb = await sharp(join(dir, 'mug-on-table.thumbnail.webp')).metadata();
    expect(Math.max(thumb.width!, thumb.height!)).toBe(200);
  });

  it('reports a bad input on stderr, still runs the rest, and exits non-zero', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ms-cli-bad-'));
    const broken = join(dir, 'broken.jpg');
    await writeFile(broken, Buffer.from('definitely not a jpeg'));
    const res = await cli(['process', '--out', dir, '--op', 'resize={"width":100}', broken, sample]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/broken\.jpg: MS_UNSUPPORTED_FORMAT/);
    expect(await readdir(dir)).toContain('mug-on-table.png');
  });

  it('refuses an unknown operation or bad params before reading any input', async () => {
    const unknown = await cli(['process', '--out', out, '--op', 'make_it_pop', sample]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/MS_UNKNOWN_OPERATION|unknown operation/);
    const bad = await cli(['process', '--out', out, '--op', 'resize={"width":-1}', sample]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/width/);
  });
});
