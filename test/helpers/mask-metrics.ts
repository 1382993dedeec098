/**
 * How well a cut-out's alpha matches a ground-truth mask, as issue 4 scores it: IoU of (alpha ≥ 128) with
 * (mask > 127), and MAE of the soft values, both 0..1. Both arrays hold one 0..255 value per pixel.
 */
export interface MaskScore {
  readonly iou: number;
  readonly mae: number;
}

export function scoreMask(alpha: ArrayLike<number>, truth: ArrayLike<number>): MaskScore {
  if (alpha.length !== truth.length) {
    throw new Error(`cannot score ${alpha.length} alpha values against a mask of ${truth.length}`);
  }
  let inter = 0;
  let union = 0;
  let abs = 0;
  for (let i = 0; i < truth.length; i++) {
    const a = alpha[i]! >= 128;
    const t = truth[i]! > 127;
    if (a && t) inter++;
    if (a || t) union++;
    abs += Math.abs(alpha[i]! - truth[i]!);
  }
  return { iou: union === 0 ? 1 : inter / union, mae: abs / (255 * truth.length) };
}
