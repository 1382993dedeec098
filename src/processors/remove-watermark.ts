/**
 * `remove_watermark`: finds supplier watermarks (semi-transparent names, URLs, "SAMPLE" stamps, alone, in a
 * corner or tiled) and restores the photo under them, leaving the product's own print alone.
 *
 * 0. **Line screens** first (`watermark/line-screen.ts`): a stamp laid on as thin lines every few pixels is
 *    found by its period and restored from the photo between its lines; the steps below run on the result.
 *    Then **a mark tiled on a lattice** (`watermark/lattice-mark.ts`): where the text the detector read recurs
 *    at the steps of a lattice the image's autocorrelation shows (`tile-lattice.ts`, steps to a fraction of a
 *    pixel), the strokes are found where the copies agree and the opacity at each pixel is the median of what
 *    all its copies say, each read at the pixel's own phase (`lattice-copies.ts`): no copy on plain ground
 *    needed.
 * 1. **Find** text with PP-OCRv4's detector (`watermark/detect-text.ts`): candidate regions, print included;
 *    with `find_logos`, also white or black stamp logos in the pixels (`detect-overlay.ts`, `find-stamps.ts`).
 * 2. **Measure** each region as an alpha blend `marked = α·colour + (1−α)·original` (`estimate-alpha.ts`,
 *    `analyse-region.ts`): background, opacity, colour and per-pixel coverage.
 * 3. **Judge** overlay or print (`classify-overlay.ts`): a blend that holds over a changing background, a mark
 *    floating on the plain studio background, or a repeat of an accepted mark is a watermark; anything else is
 *    kept as it is.
 *    A found mark is followed along its text line for the letters the detector missed (`extend-line.ts`) and
 *    to the rest of a coloured mark beside it (`extend-mark.ts`). A tiled mark's copy on plain ground becomes
 *    the template of all its copies, which finds and restores those over the product (`tiled-copies.ts`);
 *    where its copies overlap, both layers go (`stacked-copies.ts`). A single mark's letters are grown from
 *    where they were measured along the product, where the median background misses them (`grow-strokes.ts`).
 *    When nothing is found on a studio backdrop where something hued floats, the detector looks again with the
 *    backdrop's differences stretched, for pale marks (`detect-faint-text.ts`).
 *    A stamp in one ink that crosses from the backdrop onto the product, where the detector read text on it,
 *    is fitted as one blend over both and un-blended pixel by pixel along the product's hue (`hued-stamp.ts`).
 * 4. **Restore** by inverting the blend (`unblend.ts`, Dekel et al. CVPR 2017), which recovers the photo
 *    instead of smearing it; a coloured mark wholly on the backdrop is the backdrop again, with every piece
 *    of it near by in its hue (`floating-mark.ts`); only a mark that hides the photo completely is inpainted,
 *    whole, by exemplar patches (`inpaint-patch.ts`). Before that, what would do harm is left out: over
 *    texture, strokes thinner than the line's letters can be (a mesh's threads); pieces taken on another
 *    mark's blend whose un-blending would draw an edge the photo did not have (`seam-check.ts`).
 *
 * When nothing is judged a watermark the input comes back as it is, the same pixels. Params keep the seed's
 * meaning: `detection_sensitivity` trades missed marks for false alarms, `inpaint_radius` is the radius of the
 * inpainting patches; `find_logos` is off by default because its full-resolution search about doubles the
 * time per image.
 */
import { z } from 'zod';
import { MediaStudioError } from '../errors.js';
import type { ModelProvider } from '../models/model-provider.js';
import { ppOcrV4Det } from '../models/ppocr-det.js';
import { type Box, unionBox } from './connected-components.js';
import {
  defineProcessor,
  type JsonValue,
  type ProcessorContext,
  type ProcessorResult,
  type RawImage,
} from './types.js';
import {
  analyseMeasured,
  cropPlanes,
  explainWith,
  measureRegion,
  pooledModel,
  type Region,
  type RegionAnalysis,
  type RegionMeasure,
  refine,
  withStrokesFrom,
} from './watermark/analyse-region.js';
import {
  borderColour,
  classify,
  gradedBackdrop,
  isNeutral,
  plainBackdrop,
  plausibleBlend,
  type Scene,
  strokesAreLetters,
  type Thresholds,
  thresholdsFor,
  type Verdict,
  whollyOnBackdrop,
} from './watermark/classify-overlay.js';
import { faintTextRegions, huedPiecesAfloat } from './watermark/detect-faint-text.js';
import {
  type Copy,
  copyOf,
  latticeOf,
  predictedAlong,
  predictedCopies,
} from './watermark/detect-repetition.js';
import { type TextMap, textProbability, textRegions } from './watermark/detect-text.js';
import { coverage } from './watermark/estimate-alpha.js';
import { extendLine } from './watermark/extend-line.js';
import { extendMark } from './watermark/extend-mark.js';
import { findStamps } from './watermark/find-stamps.js';
import { fillInto, floatingMark } from './watermark/floating-mark.js';
import { grownStrokes } from './watermark/grow-strokes.js';
import { huedStamps } from './watermark/hued-stamp.js';
import { inpaintPatch } from './watermark/inpaint-patch.js';
import { latticeMark, type OpacityLeft } from './watermark/lattice-mark.js';
import { restoreLineScreens } from './watermark/line-screen.js';
import { clamp, maskAbove } from './watermark/raster.js';
import { withoutNewSeams } from './watermark/seam-check.js';
import { withStackedCopies } from './watermark/stacked-copies.js';
import { stampsAfloat } from './watermark/stamp-afloat.js';
import { tiledCopies, yieldTo } from './watermark/tiled-copies.js';
import { unblendInto } from './watermark/unblend.js';
import {
  fullScaleMetadata,
  WORKING_ABOVE,
  withCorrection,
  workingCopy,
} from './watermark/working-resolution.js';

/** Text lines the detector must read before the image is searched for a lattice: a tiled mark shows several (3–20 on the seeds where it was found). */
const MIN_LINES_FOR_LATTICE = 3;
/** Lattice score (its peaks in spreads above the autocorrelation's median) reported as confidence 1. */
const LATTICE_SCORE_FOR_CERTAINTY = 10;

/** Shortest step between copies of a tiled mark, in text heights. */
const MIN_LATTICE_STEP = 2;

export const removeWatermarkParams = z.strictObject({
  detection_sensitivity: z
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe(
      'How readily a region is judged a watermark, 0–1: higher finds fainter text and needs less evidence that it ' +
        'is an overlay rather than print (more false alarms), lower removes only the surest marks. Default 0.5.',
    ),
  find_logos: z
    .boolean()
    .default(false)
    .describe(
      'Also search the pixels for white or black stamp logos without text (the text detector does not see ' +
        'them); about doubles the time per image. Default false.',
    ),
  inpaint_radius: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(3)
    .describe(
      'Radius in pixels of the patches that fill the parts of a mark too opaque to un-blend, 1–10 (larger ' +
        'continues coarser texture, slower). Default 3.',
    ),
});
export type RemoveWatermarkParams = z.output<typeof removeWatermarkParams>;

/**
 * A region measured with the blend of a mark already found needs that much less of a fit: the blend itself is
 * the evidence, pinned down by the found copies, so only the region's pixels have to agree with it.
 */
const SHARED_BLEND_SLACK = 0.05;

/** Confidence reported for a stamp found afloat: text on a pale hued island, with no blend fit to weigh it. */
const STAMP_AFLOAT_CONFIDENCE = 0.6;

/**
 * Thinnest stroke un-blended over texture, as the text height over this: 5 px for an 80 px line, about a light
 * face's stroke. Elsewhere strokes are kept down to a fortieth of the height (analyse-region.ts).
 */
const TEXTURE_STROKE_DIVISOR = 16;

/** Opacity above which a pixel is inpainted rather than un-blended (1/(1−α) would amplify the noise over ×4). */
const MAX_UNBLEND_ALPHA = 0.75;

interface Found {
  readonly analysis: RegionAnalysis;
  readonly verdict: Verdict;
  /** Index of the text region it came from. */
  readonly region: number;
  /** Set for a stamp logo found in the pixels (no text region). */
  readonly kind?: 'logo';
  /**
   * Taken for the mark because the blend of a mark found elsewhere explains it, not judged on its own: such a
   * piece must also pass the seam check (seam-check.ts) before it is un-blended.
   */
  readonly borrowed?: true;
}

export const removeWatermark = defineProcessor({
  name: 'remove_watermark',
  version: `1+${ppOcrV4Det.version}`,
  params: removeWatermarkParams,
  async run(input, params, context) {
    context.signal?.throwIfAborted();
    if (!context.models)
      throw new MediaStudioError('MS_MODEL_INVALID', 'remove_watermark needs the text detector model');
    const withModels = { ...context, models: context.models };
    if (input.width * input.height <= WORKING_ABOVE) return removeFrom(input, params, withModels);
    // A large photo is worked on scaled down, and the restoration carried back (working-resolution.ts).
    const { small, scale } = await workingCopy(input);
    context.signal?.throwIfAborted();
    const radius = Math.max(1, Math.round(params.inpaint_radius * scale));
    const result = await removeFrom(small, { ...params, inpaint_radius: radius }, withModels);
    return {
      image: withCorrection(input, small, result.image),
      metadata: {
        ...fullScaleMetadata(result.metadata, scale, input),
        working_size: [small.width, small.height],
      },
    };
  },
});

/** `remove_watermark` at the image's own resolution. */
async function removeFrom(
  input: RawImage,
  params: RemoveWatermarkParams,
  context: ProcessorContext & { readonly models: ModelProvider },
): Promise<ProcessorResult> {
  // A line-screen logo is restored first, from the photo between its lines: what follows looks for the
  // marks left on the restored image.
  const { screens, restored: screened } = restoreLineScreens(input);
  const sensitivity = params.detection_sensitivity;
  const linesOf = (m: TextMap) =>
    textRegions(
      m,
      screened.width,
      screened.height,
      ppOcrV4Det.output.binaryThreshold,
      // DBPostProcess's box threshold at the default sensitivity, ±0.1 over the range.
      ppOcrV4Det.output.boxThreshold + 0.2 * (0.5 - sensitivity),
      4,
    );
  const screenedMap = await textProbability(screened, context.models);
  context.signal?.throwIfAborted();
  // A mark tiled over the whole image on an exact lattice, with text read in its copies, is measured from
  // all its copies at once and restored next (lattice-mark.ts); the rest looks at what is left.
  const screenedLines = linesOf(screenedMap);
  const tiledMark =
    screenedLines.length >= MIN_LINES_FOR_LATTICE ? latticeMark(screened, screenedMap, screenedLines) : null;
  const image = tiledMark?.restored ?? screened;
  const map = tiledMark ? await textProbability(image, context.models) : screenedMap;
  context.signal?.throwIfAborted();
  // What was restored before the text path: line screens and a mark tiled on a lattice.
  const earlyRegions: JsonValue[] = screens.map((s) => ({
    bbox: bboxOf(s.box),
    kind: 'line_screen',
    confidence: round(s.periodicity),
    reason: `lines every ${s.period} px (${s.lines}), restored from the photo between them`,
    pixels: s.pixels,
  }));
  if (tiledMark)
    earlyRegions.push({
      bbox: [0, 0, image.width, image.height],
      kind: 'tiled',
      confidence: round(Math.min(1, tiledMark.lattice.score / LATTICE_SCORE_FOR_CERTAINTY)),
      reason: `one mark tiled every (${tiledMark.lattice.v1.map((v) => v.toFixed(1))}) and (${tiledMark.lattice.v2.map((v) => v.toFixed(1))}) px, measured from its ${Math.round(tiledMark.copies)} copies at once`,
      opacity: round(tiledMark.opacity),
      colour: [tiledMark.ink, tiledMark.ink, tiledMark.ink],
      pixels: tiledMark.pixels,
    });
  const earlyPixels = screens.reduce((n, s) => n + s.pixels, 0) + (tiledMark?.pixels ?? 0);
  const plainMasks = plainBackdrop(image, 3);
  const plain = plainMasks?.grown ?? null;
  // Ground no print can be on, for the overlay test: the plain backdrop, else a graded one (a lit sweep).
  const graded = plain ? null : gradedBackdrop(image, 3);
  const ground = plain ?? graded?.grown ?? null;
  const backdrop = plain ? borderColour(image) : null;
  const scene: Scene = {
    width: image.width,
    height: image.height,
    backdrop: ground,
    graded: graded !== null,
    backdropColour: backdrop,
  };
  const regions: Region[] = linesOf(map);
  const thresholds = thresholdsFor(sensitivity);
  const analyses: (RegionAnalysis | null)[] = [];
  const judge = (from: number) => {
    const measures = regions.slice(from).map((r) => measureRegion(image, r));
    const fresh = measures.map((m) => analyseMeasured(m));
    analyses.push(...fresh);
    // Regions whose strokes are no letters (one piece along the line) are neither judged nor paired below.
    const lettered = fresh.map((a, i) =>
      a && strokesAreLetters(a, regions[from + i]!.textHeight) ? a : null,
    );
    const judged: Found[] = [];
    const verdictOn = (a: RegionAnalysis | null) => (a ? classify(a, scene, thresholds) : null);
    // The region measured again with a blend fitted on one side of its deviations (null where one blend over
    // both explains them), if that too is judged a mark.
    const oneSide = (measure: RegionMeasure) => {
      const again = analyseMeasured(measure, undefined, 'one side');
      const letters = again && strokesAreLetters(again, measure.region.textHeight) ? again : null;
      const verdict = verdictOn(letters);
      return letters && verdict?.overlay ? { analysis: letters, verdict } : null;
    };
    lettered.forEach((a, i) => {
      const verdict = verdictOn(a);
      if (a && verdict?.overlay) {
        judged.push({ analysis: a, verdict, region: from + i });
        return;
      }
      // Where one blend fitted over all its deviations explains little, the mark's letters may be of one side,
      // lighter or darker, and the texture under them of both: a line rejected is looked at again that way.
      // Not on a studio backdrop: there the product fills the frame, and its own pale print over a bezel's edge
      // fits one side as well.
      const other = plain ? null : oneSide(measures[i]!);
      if (!other) return;
      analyses[from + i] = other.analysis;
      lettered[i] = other.analysis;
      judged.push({ ...other, region: from + i });
    });
    return { lettered, judged };
  };
  const first = judge(0);
  let found = first.judged;
  // Repetition: two regions rejected only for want of evidence (a flat background, off the studio sweep) that
  // share one blend are copies of one mark if stepping the offset between them finds a third copy there.
  // Identical products side by side repeat their print too, but not a step further on.
  if (found.length === 0) found = confirmedRepeats(image, regions, first.lettered, thresholds);
  // Nothing found on a studio backdrop: a second look, with the backdrop's differences stretched, for pale marks.
  if (found.length === 0 && plain && backdrop && huedPiecesAfloat(image, plain, backdrop)) {
    const from = regions.length;
    regions.push(...(await faintTextRegions(image, plain, backdrop, context.models, linesOf, regions)));
    context.signal?.throwIfAborted();
    found = judge(from).judged;
  }
  // Stamp logos the text detector does not see: found in the pixels, judged like text, restored on their own.
  // Opt-in: the full-resolution search doubles the median time per image (bench:wm 473 → 986 ms/MP here).
  const stamps = params.find_logos
    ? findStamps(
        image,
        plain,
        thresholds,
        found.map((f) => f.analysis.box),
      )
    : [];
  // Stamp logos on the backdrop, apart from the product, where the detector read text on them: no blend
  // explains a two-coloured seal, but the backdrop is what lies under it (stamp-afloat.ts).
  const islands = plainMasks && backdrop ? stampsAfloat(image, plainMasks, regions, backdrop) : [];
  // Stamp logos in one strong ink that cross from the backdrop onto the product (hued-stamp.ts): the same
  // blend over both pins down its opacity and colour, and each pixel is un-blended whatever lies under it.
  const hued = backdrop
    ? huedStamps(image, regions, backdrop, [
        ...found.map((f) => f.analysis.box),
        ...islands.map((i) => i.box),
        ...stamps.map((s) => s.analysis.box),
      ])
    : [];
  const metadataBase = {
    detector: ppOcrV4Det.name,
    text_regions: regions.length,
    detection_sensitivity: sensitivity,
  };
  // What comes back when the text path finds nothing: the image after the early restorations, if any.
  const earlyOnly = () => ({
    image,
    metadata: {
      ...metadataBase,
      watermark_detected: earlyRegions.length > 0,
      regions: earlyRegions,
      share_of_image: round(earlyPixels / (image.width * image.height), 5),
      ...(tiledMark ? { residual: round(residualOf([tiledMark.opacityLeft])) } : {}),
    },
  });
  if (found.length === 0 && stamps.length === 0 && islands.length === 0 && hued.length === 0)
    return earlyOnly();

  // Copies of one mark share its opacity and colour: one blend fitted over all of them is better pinned down
  // than each alone, and re-measuring every copy with it evens out their coverage.
  const shared =
    found.length >= 2 ? pooledModel(found.map((f) => f.analysis)) : (found[0]?.analysis.model ?? null);
  if (shared && found.length >= 2)
    found = found.map((f) => ({
      ...f,
      analysis: refine(f.analysis, false, shared),
    }));
  // Other text regions that the found mark's own blend explains are more of it (letters the detector split
  // off, copies over flat product areas); print of another colour or darkness is not explained and stays.
  if (shared) {
    const taken = new Set(found.map((f) => f.region));
    // One mark found alone is one line: only regions level with it can be letters split off from it. Print
    // elsewhere that its blend happens to explain (a white logo on a mug under a white name) is not.
    const single = found.length === 1 ? found[0]!.analysis.box : null;
    const slack = single ? 0.5 * (single.y1 - single.y0) : 0;
    regions.forEach((r, i) => {
      if (taken.has(i)) return;
      if (single && (r.box.y1 < single.y0 - slack || r.box.y0 > single.y1 + slack)) return;
      const fit = explainWith(image, r, shared, analyses[i]);
      // Its strokes must be letters, as a judged region's are: print lighter than its surface, measured
      // against a background the letters took, reads as dark strokes joined along the line (bottles_1 SOLIDUS).
      if (
        fit &&
        fit.explained >= thresholds.explained - SHARED_BLEND_SLACK &&
        fit.analysis.strokePixels >= 30 &&
        strokesAreLetters(fit.analysis, r.textHeight)
      )
        found.push({
          analysis: fit.analysis,
          region: i,
          verdict: {
            overlay: true,
            confidence: 0.5 * fit.explained,
            reason: 'explained by the mark found',
          },
          borrowed: true,
        });
    });
  }
  // Tiled marks: the copies found so far give the lattice, which says where the rest are.
  let tiled = 0;
  if (shared && found.length >= 3) {
    const intact = found
      .map((f) => copyOf(f.analysis, regions[f.region]!, image.width, image.height))
      .filter((c): c is Copy => c !== null);
    const all = found
      .map((f) => copyOf(f.analysis, regions[f.region]!, image.width, image.height, false))
      .filter((c): c is Copy => c !== null);
    const height = intact.map((c) => c.region.textHeight).sort((a, b) => a - b)[intact.length >> 1] ?? 0;
    const lattice = latticeOf(intact, Math.max(6, 0.4 * height));
    // Copies of a tiled mark are whole lines of text, set apart by more than their height; a "lattice" finer
    // than that is the product's own repeated glyphs (a watch's LCD digits) and predicts nothing.
    if (lattice && Math.min(...lattice.map((v) => Math.hypot(...v))) >= MIN_LATTICE_STEP * height) {
      for (const region of predictedCopies(intact, all, lattice, image.width, image.height, 12)) {
        const fit = explainWith(image, region, shared);
        if (
          fit &&
          fit.explained >= thresholds.explained - SHARED_BLEND_SLACK &&
          fit.analysis.strokePixels >= 30
        ) {
          regions.push(region);
          found.push({
            analysis: fit.analysis,
            region: regions.length - 1,
            verdict: {
              overlay: true,
              confidence: 0.5 * fit.explained,
              reason: 'on the lattice of a tiled mark',
            },
          });
          tiled++;
        }
      }
    }
  }
  // Tiled marks: one copy on plain ground is the template of all (they are one picture pasted many times);
  // copies over the product, which the detector and the blend fit miss, are found and restored with it.
  let templateCopies = 0;
  const tiledWith =
    shared && found.length >= 3
      ? tiledCopies(
          image,
          found.map((f) => f.analysis),
          shared,
        )
      : null;
  if (tiledWith) {
    found = found.map((f) => ({ ...f, analysis: yieldTo(f.analysis, tiledWith.owned, image.width) }));
    for (const { analysis, agreement } of tiledWith.copies)
      found.push({
        analysis,
        region: -1,
        verdict: {
          overlay: true,
          confidence: round(0.5 * agreement),
          reason: "a copy of the tiled mark's template",
        },
      });
    templateCopies = tiledWith.copies.length;
  }
  // Three or more marks are copies of a tiled one, unless they sit together in one block: a stamp's lines.
  const kind = found.length >= 3 && !inOneBlock(found, image) ? 'tiled' : 'text';
  // A tiled mark's copies may overlap: there two layers of it are removed (stacked-copies.ts).
  if (kind === 'tiled') found = found.map((f) => ({ ...f, analysis: withStackedCopies(f.analysis) }));
  // A single coloured mark: the parts of it that are no text (a stamp's icon beside the name) share its blend.
  let extended = 0;
  let alongLine = 0;
  if (shared && kind === 'text') {
    const textHeight = medianTextHeight(found, regions);
    const marks = found.map((f) => f.analysis);
    const minExplained = thresholds.explained - SHARED_BLEND_SLACK;
    // A line of large text the detector saw a few letters of: the other letters share the blend and the line.
    // A graded backdrop's pixels are free of the mark (a grey mark's un-blending stays in the gamut there). Not
    // the plain one's: white already leaves the gamut, and counting the flood's pixels too cost mg03 of the
    // second set (seed 13) 1.5 dB.
    const line = extendLine(image, marks, shared, textHeight, minExplained, graded?.core ?? null);
    const more = extendMark(image, marks, shared, textHeight, minExplained);
    if (more) {
      extended = more.pieces;
      found.push({
        analysis: more.analysis,
        region: -1,
        verdict: { overlay: true, confidence: 0.5 * more.explained, reason: 'same blend beside the mark' },
        borrowed: true,
      });
    }
    for (const stretch of line) {
      alongLine += stretch.pieces;
      found.push({
        analysis: stretch.analysis,
        region: -1,
        verdict: {
          overlay: true,
          confidence: 0.5 * stretch.explained,
          reason: 'same blend along the line',
        },
        borrowed: true,
      });
    }
  }

  // A single mark's letters continue from where they were measured along the product (grow-strokes.ts).
  if (kind === 'text') found = found.map((f) => ({ ...f, analysis: grownStrokes(f.analysis) ?? f.analysis }));
  for (const s of stamps) found.push({ analysis: s.analysis, verdict: s.verdict, region: -1, kind: 'logo' });

  // A stamp in one ink is restored whole by its own blend: marks found over parts of it (a logo's caption
  // floating on the backdrop, the pieces beside it at some other blend) yield to it.
  if (hued.length > 0)
    found = found.filter((f) => !hued.some((stamp) => mostlyWithin(f.analysis.box, stamp.box)));
  let handedBack = 0;
  found = found
    .map((f) => {
      // Over texture, threads and grain the blend happens to explain (a mesh under a grey name) join the
      // letters as strokes thinner than any a line this tall is set in: they are not un-blended.
      if (!f.verdict.overTexture || f.region < 0) return f;
      const a = f.analysis;
      const minStroke = Math.round(regions[f.region]!.textHeight / TEXTURE_STROKE_DIVISOR);
      if (minStroke <= a.minStroke) return f;
      return { ...f, analysis: withStrokesFrom(a, minStroke) };
    })
    .map((f) => {
      // Borrowed pieces whose un-blending would draw an edge the photo did not have are not the mark
      // (seam-check.ts). Judged marks keep all their pieces: where the coverage of a real mark has holes (a
      // stamp across a red cap), restoring the rest draws such edges too.
      if (!f.borrowed) return f;
      const checked = withoutNewSeams(image, f.analysis, MAX_UNBLEND_ALPHA);
      handedBack += checked.pieces;
      return { ...f, analysis: checked.analysis };
    })
    .filter((f) => f.analysis.coverage.some((s) => s > 0));
  if (found.length === 0 && islands.length === 0 && hued.length === 0) return earlyOnly();
  const out = Buffer.from(image.data);
  const hole = new Uint8Array(image.width * image.height);
  let holeBox = { x0: image.width, y0: image.height, x1: 0, y1: 0 };
  let covered = earlyPixels;
  for (const { analysis: a } of found) {
    const opaque = unblendInto(out, image, a, MAX_UNBLEND_ALPHA);
    // A mark opaque enough to be inpainted is inpainted whole: its rim, un-blended through 1/(1 − α·s) with a
    // coverage measured over texture, comes out as dark or light fringes (tshirt_photo_16: 6.4 dB restored
    // so, 10.2 inpainted whole).
    const whole = opaque.includes(1);
    for (let y = 0; y < a.height; y++)
      for (let x = 0; x < a.width; x++) {
        const i = y * a.width + x;
        if (a.coverage[i]! > 0) covered++;
        if (!(whole ? a.coverage[i]! > 0 : opaque[i])) continue;
        const gx = x + a.box.x0;
        const gy = y + a.box.y0;
        hole[gy * image.width + gx] = 1;
        holeBox = {
          x0: Math.min(holeBox.x0, gx),
          y0: Math.min(holeBox.y0, gy),
          x1: Math.max(holeBox.x1, gx + 1),
          y1: Math.max(holeBox.y1, gy + 1),
        };
      }
  }
  // A coloured mark wholly on the backdrop: the backdrop goes back over all of it, the pieces the detector
  // missed included (floating-mark.ts).
  const afloat =
    plain && kind === 'text'
      ? found.map((f) => f.analysis).filter((a) => whollyOnBackdrop(a, plain, image.width))
      : [];
  const floating =
    plain && afloat.length > 0 ? floatingMark(image, plain, afloat, medianTextHeight(found, regions)) : null;
  if (floating) covered += fillInto(out, image, floating);
  for (const island of islands) covered += fillInto(out, image, island);
  for (const stamp of hued) covered += fillInto(out, image, stamp);
  const inpainted =
    holeBox.x1 > holeBox.x0
      ? inpaintPatch(out, image.width, image.height, hole, holeBox, {
          radius: params.inpaint_radius,
          searchRadius: 8 * params.inpaint_radius + 16,
        })
      : 0;
  const result: RawImage = { data: out, width: image.width, height: image.height, channels: 4 };
  const regionsMeta: JsonValue[] = earlyRegions.concat(
    found.map(({ analysis: a, verdict, kind: own }) => ({
      bbox: bboxOf(a.box),
      kind: own ?? kind,
      confidence: round(verdict.confidence),
      reason: verdict.reason,
      opacity: round(a.model.alpha),
      colour: colourOf(a.model.colour),
    })),
    islands.map((island) => ({
      bbox: bboxOf(island.box),
      kind: 'logo',
      confidence: STAMP_AFLOAT_CONFIDENCE,
      reason: 'a pale hued stamp on the backdrop, apart from the product',
    })),
    hued.map((stamp) => ({
      bbox: bboxOf(stamp.box),
      kind: 'logo',
      confidence: round(stamp.confidence),
      reason: 'a stamp in one ink crossing from the backdrop onto the product, one blend over both',
      opacity: round(stamp.opacity),
      colour: colourOf(stamp.colour),
    })),
  );
  return {
    image: result,
    metadata: {
      ...metadataBase,
      watermark_detected: true,
      regions: regionsMeta,
      share_of_image: round(covered / (image.width * image.height), 5),
      lattice_copies: tiled,
      template_copies: templateCopies,
      pieces_beside: extended,
      pieces_along_line: alongLine,
      pieces_afloat: floating?.pieces ?? 0,
      pieces_handed_back: handedBack,
      inpainted_pixels: inpainted,
      residual: round(
        residualOf([
          opacityLeft(
            result,
            found.map((f) => f.analysis),
          ),
          ...(tiledMark ? [tiledMark.opacityLeft] : []),
        ]),
      ),
    },
  };
}

function confirmedRepeats(
  image: RawImage,
  regions: Region[],
  analyses: readonly (RegionAnalysis | null)[],
  thresholds: Thresholds,
): Found[] {
  const candidates = analyses
    .map((a, i) => ({ a, i }))
    .filter((c): c is { a: RegionAnalysis; i: number } => c.a !== null && plausibleBlend(c.a, thresholds));
  for (let p = 0; p < candidates.length; p++)
    for (let q = p + 1; q < candidates.length; q++) {
      const one = candidates[p]!;
      const two = candidates[q]!;
      const same =
        Math.abs(one.a.model.alpha - two.a.model.alpha) < 0.06 &&
        Math.max(...one.a.model.colour.map((c, k) => Math.abs(c - two.a.model.colour[k]!))) < 20 &&
        isNeutral(one.a.model.colour);
      const ratio = one.a.strokePixels / Math.max(1, two.a.strokePixels);
      if (!same || ratio < 0.5 || ratio > 2) continue;
      const first = copyOf(one.a, regions[one.i]!, image.width, image.height);
      const second = copyOf(two.a, regions[two.i]!, image.width, image.height);
      const shared = pooledModel([one.a, two.a]);
      if (!first || !second || !shared) continue;
      const v: [number, number] = [second.cx - first.cx, second.cy - first.cy];
      const height = Math.max(regions[one.i]!.textHeight, regions[two.i]!.textHeight);
      if (Math.hypot(...v) < MIN_LATTICE_STEP * height) continue;
      const minStrokes = 0.3 * Math.min(one.a.strokePixels, two.a.strokePixels);
      for (const region of predictedAlong(first, v, image.width, image.height)) {
        // The shifted copy of the other one of the pair lands on it: skip regions overlapping either.
        const cx = (region.box.x0 + region.box.x1) / 2;
        const cy = (region.box.y0 + region.box.y1) / 2;
        if ([first, second].some((c) => Math.hypot(c.cx - cx, c.cy - cy) < Math.hypot(...v) / 3)) continue;
        const fit = explainWith(image, region, shared);
        if (!fit || fit.explained < thresholds.explained || fit.analysis.strokePixels < minStrokes) continue;
        regions.push(region);
        const verdict: Verdict = { overlay: true, confidence: 0.6, reason: 'repeats on a lattice' };
        return [
          { analysis: one.a, verdict, region: one.i },
          { analysis: two.a, verdict, region: two.i },
          { analysis: fit.analysis, verdict, region: regions.length - 1 },
        ];
      }
    }
  return [];
}

/**
 * How much of the text marks is still there, measured on the output: the coverage the same blend model finds
 * in the output over the strokes it found in the input, summed, beside the coverage found in the input.
 */
function opacityLeft(output: RawImage, analyses: readonly RegionAnalysis[]): OpacityLeft {
  let before = 0;
  let after = 0;
  for (const a of analyses) {
    const pixels = cropPlanes(output, a.box);
    const strokes = maskAbove(a.coverage, 0.5);
    const s = coverage(pixels, a.background, a.model, strokes, 2);
    for (let i = 0; i < strokes.length; i++) {
      if (!strokes[i]) continue;
      before += a.coverage[i]!;
      after += s[i]!;
    }
  }
  return { before, after };
}

/** The residual score: the share of the marks' opacity left on the output (0 = gone, 1 = untouched). */
function residualOf(parts: readonly OpacityLeft[]): number {
  const before = parts.reduce((s, p) => s + p.before, 0);
  const after = parts.reduce((s, p) => s + p.after, 0);
  return before > 0 ? clamp(after / before, 0, 1) : 0;
}

const round = (v: number, digits = 3) => Number(v.toFixed(digits));

/** A box as the metadata's [x, y, width, height]. */
function bboxOf(box: Box): number[] {
  return [box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0];
}

/** A fitted mark colour as the metadata's 8-bit RGB. */
const colourOf = (colour: readonly number[]) => colour.map((c) => Math.round(clamp(c, 0, 255)));

/** Whether at least half of box `p` lies within box `q`. */
function mostlyWithin(p: Box, q: Box): boolean {
  const w = Math.min(p.x1, q.x1) - Math.max(p.x0, q.x0);
  const h = Math.min(p.y1, q.y1) - Math.max(p.y0, q.y0);
  return w > 0 && h > 0 && 2 * w * h >= (p.x1 - p.x0) * (p.y1 - p.y0);
}

/** Largest share of the image's width and height the lines of one mark span; a tiled mark's copies spread wider. */
const BLOCK_SHARE = 0.4;

/** Whether the marks found lie together in one block, as the lines of one stamp or caption do. */
function inOneBlock(found: readonly Found[], image: RawImage): boolean {
  const box = found.map((f) => f.analysis.box).reduce(unionBox);
  return box.x1 - box.x0 <= BLOCK_SHARE * image.width && box.y1 - box.y0 <= BLOCK_SHARE * image.height;
}

/** Median text height of the marks found that came from a text region (the scale of their strokes). */
function medianTextHeight(found: readonly Found[], regions: readonly Region[]): number {
  const heights = found
    .filter((f) => f.region >= 0)
    .map((f) => regions[f.region]!.textHeight)
    .sort((a, b) => a - b);
  return heights[heights.length >> 1] ?? 0;
}
