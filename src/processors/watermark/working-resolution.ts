/**
 * Large photos are searched and restored at a working resolution, and the restoration is carried back to
 * every pixel. The detector reads at most 768 px whatever the size, and the rest of the path (the lattice's
 * search at ≤ 512 px, stroke widths, rims and fills in pixels) was built and measured on photos of about one
 * megapixel. Scaled up to 5 MP, two tiled marks of the synthetic set fell from 15.2 and 19.5 dB to 7.7 and
 * −1.2, the second after 55 s; worked on at 1.5 MP, 15.6 and 19.7 in about 2 s. What goes back is the
 * correction (restored − marked), upsampled bilinearly and added to the full-resolution pixels: where the
 * working copy is unchanged, the photo is too, bit for bit.
 */
import sharp from 'sharp';
import type { JsonValue, Metadata, RawImage } from '../types.js';

/**
 * Pixels above which the image is worked on scaled down. The synthetic sets' photos reach 2 MP and are restored
 * best as they are: worked on at 1.5 MP, a line-screen stamp (shared ms01) was lost and a tiled mark (mh01) lost
 * 0.4–4.9 dB.
 */
export const WORKING_ABOVE = 2_500_000;

/**
 * Pixels of the working copy: about the size the path was measured at. Worked on at 2.5 MP instead, eight
 * photos enlarged to 5 MP did about as well (14.4 dB against 14.7), but two enlarged to 16 MP worse (15.2
 * against 18.4: mg05 9.1 against 16.5).
 */
export const WORKING_PIXELS = 1_500_000;

/** The image scaled down to WORKING_PIXELS (Lanczos), and the scale (working side / full side). */
export async function workingCopy(image: RawImage): Promise<{ small: RawImage; scale: number }> {
  const scale = Math.sqrt(WORKING_PIXELS / (image.width * image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  return { small: { width, height, channels: 4, data }, scale: width / image.width };
}

/**
 * `full` with the working copy's correction (`restored` − `small`) upsampled onto it: bilinear between the
 * working pixels, and only where one of the four working pixels around a pixel changed. Alpha is kept.
 */
export function withCorrection(full: RawImage, small: RawImage, restored: RawImage): RawImage {
  const { width: w, height: h } = small;
  const correction = new Float32Array(w * h * 3);
  const changed = new Uint8Array(w * h);
  let any = false;
  for (let i = 0; i < w * h; i++)
    for (let k = 0; k < 3; k++) {
      const d = restored.data[4 * i + k]! - small.data[4 * i + k]!;
      if (d === 0) continue;
      correction[3 * i + k] = d;
      changed[i] = 1;
      any = true;
    }
  if (!any) return full;
  const { width: W, height: H } = full;
  const data = Buffer.from(full.data);
  const sx = w / W;
  const sy = h / H;
  for (let Y = 0; Y < H; Y++) {
    // Pixel centres map onto pixel centres.
    const v = Math.min(h - 1, Math.max(0, (Y + 0.5) * sy - 0.5));
    const y0 = Math.floor(v);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = v - y0;
    for (let X = 0; X < W; X++) {
      const u = Math.min(w - 1, Math.max(0, (X + 0.5) * sx - 0.5));
      const x0 = Math.floor(u);
      const x1 = Math.min(w - 1, x0 + 1);
      const a = y0 * w + x0;
      const b = y0 * w + x1;
      const c = y1 * w + x0;
      const d = y1 * w + x1;
      if (!changed[a] && !changed[b] && !changed[c] && !changed[d]) continue;
      const fx = u - x0;
      const wa = (1 - fx) * (1 - fy);
      const wb = fx * (1 - fy);
      const wc = (1 - fx) * fy;
      const wd = fx * fy;
      const j = 4 * (Y * W + X);
      for (let k = 0; k < 3; k++) {
        const delta =
          wa * correction[3 * a + k]! +
          wb * correction[3 * b + k]! +
          wc * correction[3 * c + k]! +
          wd * correction[3 * d + k]!;
        data[j + k] = Math.max(0, Math.min(255, Math.round(full.data[j + k]! + delta)));
      }
    }
  }
  return { ...full, data };
}

/**
 * Metadata measured on the working copy, in the full image's pixels: each region's `bbox` and `pixels`, and
 * `inpainted_pixels`; shares and counts of things stay as they are.
 */
export function fullScaleMetadata(metadata: Metadata, scale: number, full: RawImage): Metadata {
  const regions = Array.isArray(metadata.regions)
    ? metadata.regions.map((r): JsonValue => {
        if (r === null || typeof r !== 'object' || Array.isArray(r)) return r;
        const out: { [key: string]: JsonValue } = { ...r };
        if (Array.isArray(r.bbox)) out.bbox = fullScaleBox(r.bbox, scale, full);
        if (typeof r.pixels === 'number') out.pixels = Math.round(r.pixels / scale ** 2);
        return out;
      })
    : metadata.regions;
  return {
    ...metadata,
    ...(regions === undefined ? {} : { regions }),
    ...(typeof metadata.inpainted_pixels === 'number'
      ? { inpainted_pixels: Math.round(metadata.inpainted_pixels / scale ** 2) }
      : {}),
  };
}

/** A working-copy [x, y, width, height] in full-image pixels, within the image. */
function fullScaleBox(box: JsonValue[], scale: number, full: RawImage): JsonValue[] {
  const [x, y, w, h] = box.map((v) => (typeof v === 'number' ? v : 0));
  const x0 = Math.max(0, Math.floor(x! / scale));
  const y0 = Math.max(0, Math.floor(y! / scale));
  const x1 = Math.min(full.width, Math.ceil((x! + w!) / scale));
  const y1 = Math.min(full.height, Math.ceil((y! + h!) / scale));
  return [x0, y0, x1 - x0, y1 - y0];
}
