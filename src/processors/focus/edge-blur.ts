/**
 * How blurred the photo is at each of its edges, after Zhuo & Sim, "Defocus map estimation from a single
 * image" (Pattern Recognition 2011). A step edge blurred by a Gaussian of σ has a gradient peak ∝ 1/σ; blurred
 * once more by a known s, its peak falls by R = √(σ² + s²) / σ, so σ = s / √(R² − 1). The estimate holds at
 * edge pixels only (gradient maxima), which is where a photo shows its focus.
 */

/** Derivative-of-Gaussian scales, px: the measuring blur and the known re-blur added on top of it. */
const MEASURE_SIGMA = 0.5;
const REBLUR_SIGMA = 1;
/** Gradient magnitude (grey levels per px, 0..255 scale) from which a pixel can be an edge. */
const EDGE_STRENGTH = 8;
/** Reported for edges whose ratio says "no sharper than the re-blur can tell". */
export const UNMEASURABLY_BLURRED = 9;

export interface EdgeBlur {
  /** Estimated blur σ (px, measuring blur included) at edge pixels; meaningless elsewhere. */
  readonly sigma: Float32Array;
  /** 1 at edge pixels: a gradient above EDGE_STRENGTH that is the largest in its 3×3 neighbourhood. */
  readonly edge: Uint8Array;
}

/** `grey` is one channel, 0..255, width×height. */
export function edgeBlur(grey: Float32Array, width: number, height: number): EdgeBlur {
  const fine = gradientMagnitude(grey, width, height, MEASURE_SIGMA);
  // The re-blurred gradient is needed at edge pixels only (a few % of the picture): evaluated there.
  const coarse = kernels(Math.sqrt(MEASURE_SIGMA * MEASURE_SIGMA + REBLUR_SIGMA * REBLUR_SIGMA));
  const sigma = new Float32Array(width * height);
  const edge = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const g = fine[i]!;
      if (g <= EDGE_STRENGTH || !isLocalMax(fine, width, height, x, y, g)) continue;
      edge[i] = 1;
      const ratio = g / Math.max(gradientAt(grey, width, height, x, y, coarse), 1e-3);
      sigma[i] = ratio > 1.01 ? REBLUR_SIGMA / Math.sqrt(ratio * ratio - 1) : UNMEASURABLY_BLURRED;
    }
  }
  return { sigma, edge };
}

function isLocalMax(map: Float32Array, width: number, height: number, x: number, y: number, v: number) {
  for (let dy = -1; dy <= 1; dy++) {
    const yy = y + dy;
    if (yy < 0 || yy >= height) continue;
    for (let dx = -1; dx <= 1; dx++) {
      const xx = x + dx;
      if (xx >= 0 && xx < width && map[yy * width + xx]! > v) return false;
    }
  }
  return true;
}

interface Kernels {
  readonly radius: number;
  readonly smooth: Float32Array;
  readonly derivative: Float32Array;
}

/** Sampled Gaussian (sum 1) and its derivative (truncated at 4σ). */
function kernels(sigma: number): Kernels {
  const radius = Math.max(1, Math.round(4 * sigma));
  const smooth = new Float32Array(2 * radius + 1);
  const derivative = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) {
    const w = Math.exp((-k * k) / (2 * sigma * sigma));
    smooth[k + radius] = w;
    sum += w;
  }
  let ramp = 0;
  for (let k = -radius; k <= radius; k++) {
    smooth[k + radius]! /= sum;
    derivative[k + radius] = (-k / (sigma * sigma)) * smooth[k + radius]!;
    ramp += k * derivative[k + radius]!;
  }
  // A sampled narrow Gaussian's derivative under-reads a slope (by 14 % at σ = 0.5): scale it so a unit
  // ramp reads 1 at every σ, or the two scales' ratio, and so the blur estimate, would be biased.
  for (let k = 0; k < derivative.length; k++) derivative[k]! /= Math.abs(ramp);
  return { radius, smooth, derivative };
}

/** |∇(I * G_σ)| over the whole picture, separable passes (borders clamped). */
function gradientMagnitude(src: Float32Array, width: number, height: number, sigma: number): Float32Array {
  const { smooth, derivative } = kernels(sigma);
  const gx = convolveColumns(convolveRows(src, width, height, derivative), width, height, smooth);
  const gy = convolveColumns(convolveRows(src, width, height, smooth), width, height, derivative);
  for (let i = 0; i < gx.length; i++) gx[i] = Math.sqrt(gx[i]! * gx[i]! + gy[i]! * gy[i]!);
  return gx;
}

/** |∇(I * G_σ)| at one pixel, the same sums as gradientMagnitude's (borders clamped). */
function gradientAt(src: Float32Array, width: number, height: number, x: number, y: number, k: Kernels) {
  const { radius: r, smooth, derivative } = k;
  let gx = 0;
  let gy = 0;
  for (let dy = -r; dy <= r; dy++) {
    const yy = y + dy < 0 ? 0 : y + dy >= height ? height - 1 : y + dy;
    const row = yy * width;
    let alongSmooth = 0;
    let alongDerivative = 0;
    for (let dx = -r; dx <= r; dx++) {
      const xx = x + dx < 0 ? 0 : x + dx >= width ? width - 1 : x + dx;
      const v = src[row + xx]!;
      alongSmooth += smooth[dx + r]! * v;
      alongDerivative += derivative[dx + r]! * v;
    }
    gx += smooth[dy + r]! * alongDerivative;
    gy += derivative[dy + r]! * alongSmooth;
  }
  return Math.sqrt(gx * gx + gy * gy);
}

function convolveRows(src: Float32Array, width: number, height: number, kernel: Float32Array) {
  const r = (kernel.length - 1) / 2;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let acc = 0;
      if (x >= r && x < width - r) {
        // Interior: no clamping in the inner loop.
        for (let k = 0, j = row + x - r; k < kernel.length; k++, j++) acc += kernel[k]! * src[j]!;
      } else {
        for (let k = -r; k <= r; k++) {
          const xx = x + k < 0 ? 0 : x + k >= width ? width - 1 : x + k;
          acc += kernel[k + r]! * src[row + xx]!;
        }
      }
      out[row + x] = acc;
    }
  }
  return out;
}

function convolveColumns(src: Float32Array, width: number, height: number, kernel: Float32Array) {
  const r = (kernel.length - 1) / 2;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let k = -r; k <= r; k++) {
      const yy = y + k < 0 ? 0 : y + k >= height ? height - 1 : y + k;
      const from = yy * width;
      const w = kernel[k + r]!;
      for (let x = 0; x < width; x++) out[row + x]! += w * src[from + x]!;
    }
  }
  return out;
}
