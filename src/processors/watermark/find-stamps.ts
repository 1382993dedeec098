/**
 * Stamp logos: non-text marks (`detect-overlay.ts` candidates) measured with the text regions' blend fit and
 * judged as overlay or print. A candidate is a stamp when `classify` calls it an overlay (its blend holds over
 * a changing background, or it runs off the product onto the plain background), or when it is a faint neutral
 * blend whose background is the studio sweep's own colour: a stamp laid over the sweep lightens or darkens the
 * sweep itself, so the flood fill that finds the plain background stops at its box and cannot vouch for it,
 * while the sweep's colour under the strokes can. Print is never on the sweep, and product print that fits a
 * blend fits it near opaque (MAX_PRODUCT_OVERLAY_ALPHA).
 */

import { type Box, boxesOverlap, grownBox, unionBox } from '../connected-components.js';
import type { RawImage } from '../types.js';
import {
  analyseRegion,
  explainWith,
  NOISE_LEVELS,
  type Region,
  type RegionAnalysis,
  strokeShareWhere,
} from './analyse-region.js';
import {
  borderColour,
  classify,
  isNeutral,
  MAX_PRODUCT_OVERLAY_ALPHA,
  plausibleBlend,
  type Scene,
  type Thresholds,
  type Verdict,
} from './classify-overlay.js';
import { overlayCandidates } from './detect-overlay.js';

export interface Stamp {
  readonly region: Region;
  readonly analysis: RegionAnalysis;
  readonly verdict: Verdict;
}

/** Largest distance (levels, per channel) of the background under a stroke from the sweep's colour. */
const SWEEP_TOLERANCE = 12;
/** Least share of the strokes over the sweep's colour for a mark on the studio background. */
const ON_SWEEP_SHARE = 0.6;

/**
 * Stamps in the image, judged; `plain` is the plain background (classify-overlay.ts) or null. Candidates over
 * a mark already found (`taken`, its text) are left to that mark: the text's own blend restores it, and a
 * light product's highlights beside a white name fit a white stamp as well.
 */
export function findStamps(
  image: RawImage,
  plain: Uint8Array | null,
  t: Thresholds,
  taken: readonly Box[] = [],
): Stamp[] {
  const stamps: Stamp[] = [];
  const sweep = plain ? borderColour(image) : null;
  // Stamps are judged without counting bold letters by their ground (`Scene.backdropColour`).
  const scene: Scene = {
    width: image.width,
    height: image.height,
    backdrop: plain,
    graded: false,
    backdropColour: null,
  };
  const candidates = overlayCandidates(image);
  const g = Math.round(GROW_SHARE * Math.min(image.width, image.height));
  for (const { region, colour, sharp } of candidates) {
    if (!sharp || [...taken, ...stamps.map((s) => s.region.box)].some((b) => boxesOverlap(b, region.box)))
      continue;
    const analysis = analyseRegion(image, region);
    if (!analysis) continue;
    // A stamp is semi-transparent wherever it lies; dense dark folds of a black shirt on a dark sweep fit a
    // black blend near opaque.
    if (analysis.model.alpha > MAX_PRODUCT_OVERLAY_ALPHA) continue;
    const verdict = classify(analysis, scene, t);
    let accepted: Verdict | null = verdict.overlay ? verdict : null;
    if (
      !accepted &&
      sweep &&
      plausibleBlend(analysis, t) &&
      isNeutral(analysis.model.colour) &&
      shareOverColour(analysis, sweep) >= ON_SWEEP_SHARE
    )
      accepted = { overlay: true, confidence: 0.5, reason: 'faint stamp over the studio background' };
    if (!accepted) continue;
    // Parts of the stamp over another background (the product it crosses) split off as candidates of their
    // own that fit no blend alone: candidates of the same colour touching it are the same stamp.
    let box = region.box;
    const parts: Region[] = [region];
    for (let grew = true; grew; ) {
      grew = false;
      for (const other of candidates) {
        if (
          other.colour !== colour ||
          parts.includes(other.region) ||
          !boxesOverlap(box, other.region.box, g) ||
          !explainedBy(image, other.region, analysis)
        )
          continue;
        box = unionBox(box, other.region.box);
        parts.push(other.region);
        grew = true;
      }
    }
    stamps.push(whole(image, box, g, region.textHeight, analysis, accepted));
  }
  return stamps;
}

/**
 * Least share of a neighbouring candidate's deviation the stamp's blend must explain to be merged: the far part of
 * a white stamp across an arm reaches 0.86 (its box takes in the arm's edge), a grey SAMPLE letter's blend over a
 * black product's own texture 0.72.
 */
const MERGE_EXPLAINED = 0.8;

/** The candidate's deviation is the accepted stamp's blend: the same stamp over another background. */
function explainedBy(image: RawImage, part: Region, stamp: RegionAnalysis): boolean {
  const fit = explainWith(image, part, stamp.model);
  return fit !== null && fit.explained >= MERGE_EXPLAINED;
}

/** Share of the image's short side the box of an accepted stamp is grown by (its strokes beyond the candidate). */
const GROW_SHARE = 0.03;

/**
 * An accepted stamp measured again with its own blend over its whole box, grown by `g`; pixels the blend does
 * not explain (a product edge the background misses) are left out of it.
 */
function whole(
  image: RawImage,
  stampBox: Box,
  g: number,
  textHeight: number,
  first: RegionAnalysis,
  verdict: Verdict,
): Stamp {
  const box = grownBox(stampBox, g, image.width, image.height);
  const region: Region = {
    box,
    mask: new Uint8Array((box.x1 - box.x0) * (box.y1 - box.y0)).fill(1),
    textHeight,
  };
  const analysis = analyseRegion(image, region, first.model) ?? first;
  return { region, analysis: explainedOnly(analysis), verdict };
}

/** Least share of a pixel's deviation its coverage must explain to be restored as part of the stamp. */
const PIXEL_EXPLAINED = 0.95;
/** Coverage beyond which (unclamped) a pixel changed more than the stamp can: not the stamp. */
const MAX_RAW_COVERAGE = 1.2;

/** The analysis with coverage kept only where the blend explains the pixel's own deviation. */
function explainedOnly(a: RegionAnalysis): RegionAnalysis {
  const { alpha, colour } = a.model;
  const s = a.coverage.slice();
  let strokePixels = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i]! <= 0) continue;
    let dd = 0;
    let de = 0;
    let ee = 0;
    for (let k = 0; k < 3; k++) {
      const d = a.pixels[k]![i]! - a.background[k]![i]!;
      const e = alpha * (colour[k]! - a.background[k]![i]!);
      dd += d * d;
      de += d * e;
      ee += e * e;
    }
    const raw = ee > 0 ? de / ee : 0;
    const floor = 3 * (2 * NOISE_LEVELS) ** 2;
    // Deviation left once the pixel's own coverage is taken out, against the deviation itself.
    const left = dd - (ee > 0 ? (de * de) / ee : 0);
    if (raw > MAX_RAW_COVERAGE || (dd > floor && left > (1 - PIXEL_EXPLAINED) * dd + floor)) s[i] = 0;
    else if (s[i]! > 0.5) strokePixels++;
  }
  return { ...a, coverage: s, strokePixels };
}

/** Share of the stroke pixels whose background is within SWEEP_TOLERANCE of `colour`. */
function shareOverColour(a: RegionAnalysis, colour: readonly number[]): number {
  return strokeShareWhere(a, (i) => {
    let near = true;
    for (let k = 0; k < 3 && near; k++) near = Math.abs(a.background[k]![i]! - colour[k]!) <= SWEEP_TOLERANCE;
    return near;
  });
}
