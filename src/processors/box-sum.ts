/**
 * Sum over the (2r+1)×(2r+1) window around each pixel, pixels outside the image counting as 0: separable
 * running sums, O(width·height) for any r. The denoiser's patch distances and the watermark masks'
 * dilation and erosion counts are both this.
 */
export function boxSum<T extends Float32Array | Int32Array>(
  src: ArrayLike<number>,
  width: number,
  height: number,
  r: number,
  out: T,
  tmp: T,
): T {
  // Along rows into tmp, then along columns into out (which may be src: the column pass reads tmp only).
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let s = 0;
    for (let x = 0; x <= Math.min(r, width - 1); x++) s += src[row + x]!;
    for (let x = 0; x < width; x++) {
      tmp[row + x] = s;
      if (x + r + 1 < width) s += src[row + x + r + 1]!;
      if (x - r >= 0) s -= src[row + x - r]!;
    }
  }
  for (let x = 0; x < width; x++) {
    let s = 0;
    for (let y = 0; y <= Math.min(r, height - 1); y++) s += tmp[y * width + x]!;
    for (let y = 0; y < height; y++) {
      out[y * width + x] = s;
      if (y + r + 1 < height) s += tmp[(y + r + 1) * width + x]!;
      if (y - r >= 0) s -= tmp[(y - r) * width + x]!;
    }
  }
  return out;
}
