/**
 * What the copies of a tiled mark say at one point of it, as weighted values, and their weighted median.
 *
 * The buffers are kept across points: the medians run once per point of the mark (and per ink tried), a
 * million times on a large image, where allocating per call cost more than the sorting.
 */
export class Samples {
  readonly value: Float64Array;
  private readonly weight: Float64Array;
  private readonly sortedValue: Float64Array;
  private readonly sortedWeight: Float64Array;
  n = 0;

  constructor(capacity: number) {
    this.value = new Float64Array(capacity);
    this.weight = new Float64Array(capacity);
    this.sortedValue = new Float64Array(capacity);
    this.sortedWeight = new Float64Array(capacity);
  }

  clear(): void {
    this.n = 0;
  }

  push(value: number, weight: number): void {
    this.value[this.n] = value;
    this.weight[this.n++] = weight;
  }

  /** Weighted median of the samples from, from + step, …: an insertion sort, as a point has few copies. */
  weightedMedian(from: number, step: number): number {
    const v = this.sortedValue;
    const w = this.sortedWeight;
    let m = 0;
    let total = 0;
    for (let j = from; j < this.n; j += step) {
      const x = this.value[j]!;
      const y = this.weight[j]!;
      total += y;
      let k = m++;
      for (; k > 0 && v[k - 1]! > x; k--) {
        v[k] = v[k - 1]!;
        w[k] = w[k - 1]!;
      }
      v[k] = x;
      w[k] = y;
    }
    let acc = 0;
    for (let k = 0; k < m; k++) {
      acc += w[k]!;
      if (acc >= total / 2) return v[k]!;
    }
    return m > 0 ? v[m - 1]! : 0;
  }
}
