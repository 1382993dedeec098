/** The priority queue seeded region growing settles superpixels from. */

/** A binary min-heap of (priority, node, from) entries. */
export class MinQueue {
  private readonly keys: number[] = [];
  private readonly entries: Array<{ node: number; from: number }> = [];

  push(key: number, node: number, from: number): void {
    let i = this.keys.length;
    this.keys.push(key);
    this.entries.push({ node, from });
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.keys[parent]! <= key) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): { node: number; from: number } | undefined {
    if (this.keys.length === 0) return undefined;
    const top = this.entries[0]!;
    const lastKey = this.keys.pop()!;
    const lastEntry = this.entries.pop()!;
    if (this.keys.length > 0) {
      this.keys[0] = lastKey;
      this.entries[0] = lastEntry;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.keys.length && this.keys[l]! < this.keys[m]!) m = l;
        if (r < this.keys.length && this.keys[r]! < this.keys[m]!) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }

  private swap(a: number, b: number): void {
    [this.keys[a], this.keys[b]] = [this.keys[b]!, this.keys[a]!];
    [this.entries[a], this.entries[b]] = [this.entries[b]!, this.entries[a]!];
  }
}
