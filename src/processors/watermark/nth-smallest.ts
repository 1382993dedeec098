/**
 * The k-th smallest of a set of numbers without sorting them all: a tiled mark's median detail or opacity
 * percentile over a few hundred thousand pixels, and a blend fit's median residual in every iteration, where
 * a sort cost more than the rest of the step.
 */

/** The `k`-th smallest (0-based) of `values`, which are reordered (Hoare's selection, middle pivot). */
export function nthSmallest(values: Float32Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i++] = values[j]!;
        values[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k]!;
}
