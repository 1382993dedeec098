/**
 * The steps between copies of a tiled mark, measured on the strokes found rather than taken from the copies'
 * centres: the detector often splits one copy into words, so offsets between region centres mix word-to-word
 * steps with the mark's own. Each offset between two found regions is a candidate; it is moved (±`SEARCH_PX`)
 * to where the map of found strokes overlaps itself shifted by it best, and kept when many strokes land on
 * strokes again at a sharp peak (a step along a line of text also lands strokes on strokes, but about as well a
 * few pixels further on). Tilings are not exactly periodic (copies are pasted at rounded, sometimes staggered
 * places), so the steps are only where to look: each copy is then placed on its own (`locate-copies.ts`).
 */
import { type RegionAnalysis, strokeCentre } from './analyse-region.js';

export type Step = readonly [number, number];

/** How far (pixels) a step is searched around an offset between two regions' centres. */
const SEARCH_PX = 8;
/** Share of stroke pixels that must land on strokes for a step to count as the mark's. */
const MIN_OVERLAP = 0.3;
/** How much better a step must overlap than the median of the steps `RING` around it. */
const MIN_CONTRAST = 0.1;
/** Offsets around a step at which strokes no longer land on themselves (strokes are a few pixels thick). */
const RING: readonly Step[] = [
  [5, 0],
  [-5, 0],
  [0, 5],
  [0, -5],
  [4, 4],
  [-4, 4],
  [4, -4],
  [-4, -4],
];
/** Stroke pixels sampled to test a step (a stride through the list). */
const SAMPLE_PIXELS = 2000;
/** Candidate offsets tested at most (the most voted-for). */
const MAX_CANDIDATES = 60;

/** 1 where a found region covers a pixel more than half, over the image. */
export function strokeMap(found: readonly RegionAnalysis[], width: number, height: number): Uint8Array {
  const map = new Uint8Array(width * height);
  for (const a of found)
    for (let y = 0; y < a.height; y++)
      for (let x = 0; x < a.width; x++)
        if (a.coverage[y * a.width + x]! > 0.5) map[(y + a.box.y0) * width + x + a.box.x0] = 1;
  return map;
}

/** Share of the sampled stroke pixels that land on a stroke after the step (of those landing inside the image). */
function overlap(
  map: Uint8Array,
  width: number,
  height: number,
  sample: Int32Array,
  dx: number,
  dy: number,
): number {
  let hit = 0;
  let inside = 0;
  for (const i of sample) {
    const x = (i % width) + dx;
    const y = (i - (i % width)) / width + dy;
    if (x < 0 || y < 0 || x >= width || y >= height) continue;
    inside++;
    hit += map[y * width + x]!;
  }
  return inside >= 100 ? hit / inside : 0;
}

/**
 * Steps (one of each ± pair) between copies of the found strokes, best-supported first; empty when the strokes
 * do not repeat.
 */
export function repeatSteps(
  strokes: Uint8Array,
  found: readonly RegionAnalysis[],
  width: number,
  height: number,
): Step[] {
  const all: number[] = [];
  for (let i = 0; i < strokes.length; i++) if (strokes[i]) all.push(i);
  if (all.length < 100) return [];
  const stride = Math.max(1, Math.floor(all.length / SAMPLE_PIXELS));
  const sample = Int32Array.from(all.filter((_, k) => k % stride === 0));

  const centres = found.map(strokeCentre).filter((c): c is [number, number] => c !== null);
  const votes: { d: [number, number]; n: number }[] = [];
  for (const p of centres)
    for (const q of centres) {
      const dx = q[0] - p[0];
      const dy = q[1] - p[1];
      if (!(dy > 0 || (dy === 0 && dx > 0))) continue;
      const near = votes.find((v) => Math.hypot(v.d[0] - dx, v.d[1] - dy) <= SEARCH_PX);
      if (near) near.n++;
      else votes.push({ d: [dx, dy], n: 1 });
    }
  votes.sort((a, b) => b.n - a.n);

  const kept: { step: Step; score: number }[] = [];
  const test = (d: Step) => {
    // Every second step first (strokes are wider than that), then the pixel around the best.
    let best: Step = [0, 0];
    let bestOverlap = 0;
    const probe = (dx: number, dy: number) => {
      if (Math.hypot(dx, dy) < 2 * SEARCH_PX) return;
      const o = overlap(strokes, width, height, sample, dx, dy);
      if (o > bestOverlap) {
        bestOverlap = o;
        best = [dx, dy];
      }
    };
    for (let dy = Math.round(d[1]) - SEARCH_PX; dy <= Math.round(d[1]) + SEARCH_PX; dy += 2)
      for (let dx = Math.round(d[0]) - SEARCH_PX; dx <= Math.round(d[0]) + SEARCH_PX; dx += 2) probe(dx, dy);
    const [cx, cy] = best;
    for (let dy = cy - 1; dy <= cy + 1; dy++) for (let dx = cx - 1; dx <= cx + 1; dx++) probe(dx, dy);
    if (bestOverlap < MIN_OVERLAP) return;
    const around = RING.map(([rx, ry]) =>
      overlap(strokes, width, height, sample, best[0] + rx, best[1] + ry),
    ).sort((p, q) => p - q);
    const contrast = bestOverlap - around[around.length >> 1]!;
    if (contrast < MIN_CONTRAST) return;
    if (!kept.some((k) => Math.abs(k.step[0] - best[0]) + Math.abs(k.step[1] - best[1]) <= 2))
      kept.push({ step: best, score: bestOverlap * contrast });
  };
  for (const { d } of votes.slice(0, MAX_CANDIDATES)) test(d);
  return kept.sort((a, b) => b.score - a.score).map((k) => k.step);
}
