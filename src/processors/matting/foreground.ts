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
 * the blurred B̂ (the paper's 90 px then 6 px boxes, radii 45 and 3, at about 1 MP; the caller scales the
 * large one).
 *
 * Only partial pixels need F (at α = 1 the formula gives F = I exactly; at α = 0 colour is invisible), so the
 * large pass runs on a downscaled copy (its window is smooth anyway) and the small pass at the partial pixels
 * only (see `decontaminate`).
 */
import { boxMean } from './float-map.js';

export interface ForegroundOptions {
  /** The large window's radius, in px at the image's resolution. */
  readonly radius: number;
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

/**
 * Foreground colours, 8-bit RGB interleaved for the whole image: Blur-Fusion's F where alpha is partial, the
 * picture's own colour elsewhere. `pixels` are interleaved 8-bit with `channels` per pixel, `alpha` 0..1.
 *
 * The large pass runs on a copy about `large / 12` times smaller (a window of ~12 px there). The small pass
 * is evaluated at the partial pixels only: its inputs, the large pass's F and B̂, are smooth at the scale of
 * the small window (they come from the downscaled copy), so their windowed means are taken as their values
 * at the pixel, sampled bilinearly, and the pass reduces to eq. 5 per pixel. Cost: one downscale and the
 * large pass, plus O(partial pixels), instead of full-resolution planes and box filters.
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
  let partial = 0;
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    out[i * 3] = pixels[j]!;
    out[i * 3 + 1] = pixels[j + 1]!;
    out[i * 3 + 2] = pixels[j + 2]!;
    if (isPartial(alpha[i]!)) partial++;
  }
  if (partial === 0) return out;
  const large = options.radius;

  const k = Math.max(1, Math.floor(large / 12));
  const lw = Math.max(1, Math.round(width / k));
  const lh = Math.max(1, Math.round(height / k));
  const { image: lowImage, alpha: lowAlpha } = downscale(pixels, alpha, width, height, channels, lw, lh);
  const first = blurFusion(
    lowImage,
    lowImage,
    lowImage,
    lowAlpha,
    lw,
    lh,
    Math.max(1, Math.round(large / k)),
  );

  // Bilinear sampling of the low-resolution F and B̂ at full-resolution pixel centres (half-pixel aligned).
  const sx = lw / width;
  const sy = lh / height;
  const planesF = first.F;
  const planesB = first.B;
  const k255 = 1 / 255;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), lh - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, lh - 1);
    const wy = fy - y0;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const a = alpha[row + x]!;
      if (!isPartial(a)) continue;
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), lw - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, lw - 1);
      const wx = fx - x0;
      const i00 = y0 * lw + x0;
      const i01 = y0 * lw + x1;
      const i10 = y1 * lw + x0;
      const i11 = y1 * lw + x1;
      const c00 = (1 - wx) * (1 - wy);
      const c01 = wx * (1 - wy);
      const c10 = (1 - wx) * wy;
      const c11 = wx * wy;
      const i = row + x;
      const j = i * channels;
      const o = i * 3;
      for (let c = 0; c < 3; c++) {
        const f = planesF[c]!;
        const b = planesB[c]!;
        const fh = f[i00]! * c00 + f[i01]! * c01 + f[i10]! * c10 + f[i11]! * c11;
        const bh = b[i00]! * c00 + b[i01]! * c01 + b[i10]! * c10 + b[i11]! * c11;
        const v = fh + a * (pixels[j + c]! * k255 - a * fh - (1 - a) * bh);
        out[o + c] = Math.round((v < 0 ? 0 : v > 1 ? 1 : v) * 255);
      }
    }
  }
  return out;
}

/** Partial once stored as 8 bits: alpha rounds to 1..254. */
const isPartial = (a: number) => a >= 0.5 / 255 && a < 254.5 / 255;

/**
 * Area-averaged downscaling of interleaved 8-bit pixels (to three 0..1 planes) and of alpha, in one pass:
 * each target pixel is the mean of its source box.
 */
function downscale(
  pixels: Uint8Array,
  alpha: Float32Array,
  width: number,
  height: number,
  channels: number,
  tw: number,
  th: number,
): { image: Float32Array[]; alpha: Float32Array } {
  const image = [new Float32Array(tw * th), new Float32Array(tw * th), new Float32Array(tw * th)];
  const [r, g, b] = image as [Float32Array, Float32Array, Float32Array];
  const a = new Float32Array(tw * th);
  for (let y = 0; y < th; y++) {
    const y0 = Math.floor((y * height) / th);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * height) / th));
    for (let x = 0; x < tw; x++) {
      const x0 = Math.floor((x * width) / tw);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * width) / tw));
      let sr = 0;
      let sg = 0;
      let sb = 0;
      let sa = 0;
      for (let yy = y0; yy < y1; yy++) {
        for (let xx = x0; xx < x1; xx++) {
          const i = yy * width + xx;
          const j = i * channels;
          sr += pixels[j]!;
          sg += pixels[j + 1]!;
          sb += pixels[j + 2]!;
          sa += alpha[i]!;
        }
      }
      const count = (y1 - y0) * (x1 - x0);
      const o = y * tw + x;
      r[o] = sr / (255 * count);
      g[o] = sg / (255 * count);
      b[o] = sb / (255 * count);
      a[o] = sa / count;
    }
  }
  return { image, alpha: a };
}
