/**
 * Colour decontamination: the colour of the subject alone where its edge is semi-transparent. A pixel at
 * alpha α shows I = αF + (1 − α)B, so keeping I as the cut-out's colour keeps a fringe of the old background
 * (the halo users see when a product shot on green is put on white). We estimate F with Blur-Fusion
 * (Forte & Pitié, "Approximate Fast Foreground Colour Estimation", ICIP 2021), eq. 4–5:
 *
 *   F̂_i = Σ_j F_j α_j / Σ_j α_j,   B̂_i = Σ_j B_j (1 − α_j) / Σ_j (1 − α_j)   (box windows around i)
 *   F_i = F̂_i + α_i (I_i − α_i F̂_i − (1 − α_i) B̂_i)
 *
 * run twice, as in the reference code: with a large window on F = B = I, then with a small one on that F and
 * the blurred B̂ (the paper's 90 px then 6 px boxes, radii 45 and 3, at about 1 MP; the caller scales them).
 *
 * Only partial pixels need F (at α = 1 the formula gives F = I exactly; at α = 0 colour is invisible), so the
 * large pass runs on a downscaled copy (its window is smooth anyway) and the small pass at full resolution
 * on the bounding box of the partial pixels only.
 */
import { boxMean, resizeBilinear } from './float-map.js';

export interface ForegroundOptions {
  /** Large then small window radius, in px at the image's resolution. */
  readonly radii: readonly [number, number];
}

/** One Blur-Fusion pass on planes (0..1); returns the new F planes and the blurred B̂ planes. */
function blurFusion(
  image: Float32Array[],
  F: Float32Array[],
  B: Float32Array[],
  alpha: Float32Array,
  width: number,
  height: number,
  r: number,
): { F: Float32Array[]; B: Float32Array[] } {
  const n = width * height;
  const inverse = new Float32Array(n);
  for (let i = 0; i < n; i++) inverse[i] = 1 - alpha[i]!;
  const sumA = boxMean(alpha, width, height, r);
  const sumInv = boxMean(inverse, width, height, r);
  const weighted = new Float32Array(n);
  const outF: Float32Array[] = [];
  const outB: Float32Array[] = [];
  for (let c = 0; c < 3; c++) {
    const f = F[c]!;
    const b = B[c]!;
    for (let i = 0; i < n; i++) weighted[i] = f[i]! * alpha[i]!;
    const fHat = boxMean(weighted, width, height, r);
    for (let i = 0; i < n; i++) weighted[i] = b[i]! * inverse[i]!;
    const bHat = boxMean(weighted, width, height, r);
    const I = image[c]!;
    for (let i = 0; i < n; i++) {
      const a = alpha[i]!;
      const fh = fHat[i]! / (sumA[i]! + 1e-5);
      const bh = bHat[i]! / (sumInv[i]! + 1e-5);
      const v = fh + a * (I[i]! - a * fh - (1 - a) * bh);
      fHat[i] = v < 0 ? 0 : v > 1 ? 1 : v;
      bHat[i] = bh;
    }
    outF.push(fHat);
    outB.push(bHat);
  }
  return { F: outF, B: outB };
}

function planes(pixels: Uint8Array, channels: number, width: number, region: Region): Float32Array[] {
  return [0, 1, 2].map((c) => {
    const plane = new Float32Array(region.width * region.height);
    for (let y = 0; y < region.height; y++) {
      const src = ((y + region.top) * width + region.left) * channels + c;
      for (let x = 0; x < region.width; x++) plane[y * region.width + x] = pixels[src + x * channels]! / 255;
    }
    return plane;
  });
}

interface Region {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

function crop(plane: Float32Array, width: number, region: Region): Float32Array {
  const out = new Float32Array(region.width * region.height);
  for (let y = 0; y < region.height; y++) {
    const from = (y + region.top) * width + region.left;
    out.set(plane.subarray(from, from + region.width), y * region.width);
  }
  return out;
}

/**
 * Foreground colours, 8-bit RGB interleaved for the whole image: Blur-Fusion's F where alpha is partial, the
 * picture's own colour elsewhere. `pixels` are interleaved 8-bit with `channels` per pixel, `alpha` 0..1.
 */
export function decontaminate(
  pixels: Uint8Array,
  alpha: Float32Array,
  width: number,
  height: number,
  channels: number,
  options: ForegroundOptions,
): Uint8Array {
  const n = width * height;
  const out = new Uint8Array(n * 3);
  let [l, t, r, b] = [width, height, -1, -1];
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    out[i * 3] = pixels[j]!;
    out[i * 3 + 1] = pixels[j + 1]!;
    out[i * 3 + 2] = pixels[j + 2]!;
    if (!isPartial(alpha[i]!)) continue;
    const x = i % width;
    const y = (i - x) / width;
    if (x < l) l = x;
    if (x > r) r = x;
    if (y < t) t = y;
    if (y > b) b = y;
  }
  if (r < 0) return out;
  const [large, small] = options.radii;

  // Large pass on a copy about `large / 12` times smaller (a window of ~12 px there).
  const k = Math.max(1, Math.floor(large / 12));
  const lw = Math.max(1, Math.round(width / k));
  const lh = Math.max(1, Math.round(height / k));
  const whole = { left: 0, top: 0, width, height };
  const fullPlanes = planes(pixels, channels, width, whole);
  const down = (p: Float32Array) => resizeArea(p, width, height, lw, lh);
  const lowImage = fullPlanes.map(down);
  const lowAlpha = down(alpha);
  const first = blurFusion(
    lowImage,
    lowImage,
    lowImage,
    lowAlpha,
    lw,
    lh,
    Math.max(1, Math.round(large / k)),
  );

  // Small pass at full resolution on the partial pixels' box (plus its window).
  const region: Region = {
    left: Math.max(0, l - small),
    top: Math.max(0, t - small),
    width: Math.min(width, r + small + 1) - Math.max(0, l - small),
    height: Math.min(height, b + small + 1) - Math.max(0, t - small),
  };
  const up = (p: Float32Array) =>
    crop(resizeBilinear({ data: p, width: lw, height: lh }, width, height).data, width, region);
  const image = fullPlanes.map((p) => crop(p, width, region));
  const regionAlpha = crop(alpha, width, region);
  const second = blurFusion(
    image,
    first.F.map(up),
    first.B.map(up),
    regionAlpha,
    region.width,
    region.height,
    small,
  );
  for (let y = 0; y < region.height; y++) {
    for (let x = 0; x < region.width; x++) {
      const ri = y * region.width + x;
      if (!isPartial(regionAlpha[ri]!)) continue;
      const o = ((y + region.top) * width + x + region.left) * 3;
      out[o] = Math.round(second.F[0]![ri]! * 255);
      out[o + 1] = Math.round(second.F[1]![ri]! * 255);
      out[o + 2] = Math.round(second.F[2]![ri]! * 255);
    }
  }
  return out;
}

/** Partial once stored as 8 bits: alpha rounds to 1..254. */
const isPartial = (a: number) => a >= 0.5 / 255 && a < 254.5 / 255;

/** Area-averaged downscaling of a float plane (each target pixel the mean of its source box). */
function resizeArea(src: Float32Array, width: number, height: number, tw: number, th: number): Float32Array {
  if (tw === width && th === height) return src.slice();
  const out = new Float32Array(tw * th);
  for (let y = 0; y < th; y++) {
    const y0 = Math.floor((y * height) / th);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * height) / th));
    for (let x = 0; x < tw; x++) {
      const x0 = Math.floor((x * width) / tw);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * width) / tw));
      let sum = 0;
      for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) sum += src[yy * width + xx]!;
      out[y * tw + x] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}
