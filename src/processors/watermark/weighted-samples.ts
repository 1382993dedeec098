/**
 * What the copies of a tiled mark say at one point of it, as weighted values, and their weighted median.
 *
 * The buffers are kept across points: the medians run once per point of the mark (and per ink tried), a
 * million times on a large image, where allocating per call cost more than the selection.
 */
export class Samples {
  readonly value: Float64Array;
  private readonly weight: Float64Array;
  /** Scratch copies the selection reorders. */
  private readonly work: Float64Array;
  private readonly workWeight: Float64Array;
  n = 0;

  constructor(capacity: number) {
    this.value = new Float64Array(capacity);
    this.weight = new Float64Array(capacity);
    this.work = new Float64Array(capacity);
    this.workWeight = new Float64Array(capacity);
  }

  clear(): void {
    this.n = 0;
  }

  push(value: number, weight: number): void {
    this.value[this.n] = value;
    this.weight[this.n++] = weight;
  }

  /**
   * Weighted median of the samples from, from + step, …: the smallest value whose weight, with that of all
   * values below it, reaches half the total. Found by selection (three-way partitions around a middle
   * pivot), not by an insertion sort, which is quadratic in the copies: a point of a fine lattice has about
   * ten at 1 MP, but a hundred or more on a large image.
   */
  weightedMedian(from: number, step: number): number {
    const v = this.work;
    const w = this.workWeight;
    let m = 0;
    let total = 0;
    for (let j = from; j < this.n; j += step) {
      v[m] = this.value[j]!;
      w[m++] = this.weight[j]!;
      total += this.weight[j]!;
    }
    if (m === 0) return 0;
    const half = total / 2;
    let lo = 0;
    let hi = m - 1;
    // Weight of the values below v[lo..hi], all of them below every value in it.
    let below = 0;
    while (lo < hi) {
      const pivot = medianOfThree(v[lo]!, v[(lo + hi) >> 1]!, v[hi]!);
      // Three-way partition of [lo, hi]: [lo, lt) below the pivot, [lt, gt] equal, (gt, hi] above.
      let lt = lo;
      let gt = hi;
      let k = lo;
      let less = 0;
      let equal = 0;
      while (k <= gt) {
        const x = v[k]!;
        if (x < pivot) {
          less += w[k]!;
          swap(v, w, k++, lt++);
        } else if (x > pivot) swap(v, w, k, gt--);
        else {
          equal += w[k]!;
          k++;
        }
      }
      if (below + less >= half && lt > lo) hi = lt - 1;
      else if (below + less + equal >= half) return pivot;
      else {
        below += less + equal;
        lo = gt + 1;
      }
    }
    return v[lo]!;
  }
}

function medianOfThree(a: number, b: number, c: number): number {
  return a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
}

function swap(v: Float64Array, w: Float64Array, i: number, j: number): void {
  const x = v[i]!;
  v[i] = v[j]!;
  v[j] = x;
  const y = w[i]!;
  w[i] = w[j]!;
  w[j] = y;
}
