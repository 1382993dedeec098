/**
 * The autocorrelation of a small signal (≤ 512 × 512), by the Wiener–Khinchin theorem: the inverse FFT of its
 * power spectrum. fft.js does the 1-D transforms (radix-4, the fastest pure-JS FFT on npm); the 2-D one runs
 * them along rows and columns. A tiled mark shows as peaks at every step of its lattice, whatever it lies on.
 */
import FFT from 'fft.js';

export interface Autocorrelation {
  /** Correlation at lag (dx, dy), over the pixels both ends cover, as a share of the signal's energy. */
  at(dx: number, dy: number): number;
}

/**
 * Autocorrelation of `signal` (`width × height`, zero mean expected); circular over the next power of two.
 * Only vertical lags up to `maxLagY` (default: all) may be read from it.
 */
export function autocorrelation(
  signal: Float32Array,
  width: number,
  height: number,
  maxLagY = height,
): Autocorrelation {
  let n = 2;
  while (n < Math.max(width, height)) n *= 2;
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) re[y * n + x] = signal[y * width + x]!;
  const fft = new FFT(n);
  // Rows past the signal are zero, and zero transforms to zero; of the result, only lags within `maxLagY`
  // either way are read.
  const rows = (r: number) => r < height;
  transform2d(fft, n, re, im, false, rows);
  for (let i = 0; i < n * n; i++) {
    re[i] = re[i]! * re[i]! + im[i]! * im[i]!;
    im[i] = 0;
  }
  transform2d(fft, n, re, im, true, (r) => r <= maxLagY || r >= n - maxLagY);
  const energy = re[0]! || 1;
  const area = width * height;
  return {
    at(dx, dy) {
      const x = Math.round(dx);
      const y = Math.round(dy);
      const overlap = (width - Math.abs(x)) * (height - Math.abs(y));
      if (overlap <= 0) return 0;
      // Mean product over the overlap, against the mean square over the whole signal.
      return ((re[(((y % n) + n) % n) * n + (((x % n) + n) % n)]! / energy) * area) / overlap;
    },
  };
}

/**
 * In-place 2-D FFT (or its inverse) of an n × n complex array: rows then columns forward, columns then rows
 * inverse, the rows limited to those `needed`. A row of the forward pass's input is real and takes fft.js's
 * real transform, a quarter faster.
 */
function transform2d(
  fft: FFT,
  n: number,
  re: Float64Array,
  im: Float64Array,
  inverse: boolean,
  needed: (row: number) => boolean,
): void {
  const input = fft.createComplexArray() as number[];
  const output = fft.createComplexArray() as number[];
  const real = new Array<number>(n);
  for (const byColumn of inverse ? [true, false] : [false, true])
    for (let a = 0; a < n; a++) {
      // Forward, the rows come first and only those holding signal are transformed; inverse, the rows come
      // last and only those read afterwards.
      if (!byColumn && !needed(a)) continue;
      const realRow = !inverse && !byColumn;
      for (let b = 0; b < n; b++) {
        const i = byColumn ? b * n + a : a * n + b;
        if (realRow) real[b] = re[i]!;
        else {
          input[2 * b] = re[i]!;
          input[2 * b + 1] = im[i]!;
        }
      }
      if (realRow) {
        fft.realTransform(output, real);
        fft.completeSpectrum(output);
      } else if (inverse) fft.inverseTransform(output, input);
      else fft.transform(output, input);
      for (let b = 0; b < n; b++) {
        const i = byColumn ? b * n + a : a * n + b;
        re[i] = output[2 * b]!;
        im[i] = output[2 * b + 1]!;
      }
    }
}
