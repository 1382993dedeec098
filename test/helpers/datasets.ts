/** The shared datasets (../shared/datasets beside the repo): read in tests and benchmarks, never shipped. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const datasetsRoot = resolve(
  process.env.MEDIA_STUDIO_DATASETS ?? resolve(import.meta.dirname, '../../../shared/datasets'),
);

export function datasetFile(...parts: string[]): string {
  const path = resolve(datasetsRoot, ...parts);
  if (!existsSync(path)) throw new Error(`dataset file missing: ${path} (set MEDIA_STUDIO_DATASETS)`);
  return path;
}
