/**
 * Drives the evaluation contract the way a user does: the compiled binary,
 *   media-studio process --out DIR --format png --json --op NAME=JSON… INPUT…
 * one JSON report line per input. `buildCli` compiles dist/ first (a test file may run on its own).
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin', 'media-studio.js');

export interface ProcessReport {
  readonly ok: boolean;
  readonly outputs: string[];
  readonly steps: { operation: string; metadata: Record<string, unknown> }[];
}

/** Compiles the binary and returns a fresh output folder named after `label`. */
export async function buildCli(label: string): Promise<string> {
  await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root });
  return mkdtemp(join(tmpdir(), `ms-cli-${label}-`));
}

/** Runs `ops` in order on each input, PNG outputs in `out`; one report per input, in order. */
export async function processWithCli(
  out: string,
  ops: readonly string[],
  inputs: readonly string[],
): Promise<ProcessReport[]> {
  const args = [bin, 'process', '--out', out, '--format', 'png', '--json'];
  for (const op of ops) args.push('--op', op);
  const { stdout } = await run(process.execPath, [...args, ...inputs], {
    env: { ...process.env, LOG_LEVEL: 'warn' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ProcessReport);
}
