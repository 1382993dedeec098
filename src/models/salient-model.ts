/**
 * Salient-object segmentation models (ISNet, U²-Net): an RGB picture in, a foreground probability map out.
 * The spec declares everything inference needs (tensor names, sizes, layout, normalisation, what the output
 * means) and `predictSaliency` reads it from there, so no processor carries a bare `1024` or `'output'`.
 */
import type { InferenceSession } from './model-provider.js';
import { Tensor } from './model-provider.js';
import type { ModelSpec } from './model-spec.js';

export interface SalientModelSpec extends ModelSpec {
  readonly input: {
    /** Input tensor name. */
    readonly name: string;
    /** Always NCHW float32, batch 1, RGB channel order. */
    readonly layout: 'NCHW';
    /** The square side the model was trained at, px. */
    readonly trainedSize: number;
    /** Whether the graph accepts other sides than `trainedSize` (e.g. for a faster, coarser pass). */
    readonly dynamicSize: boolean;
    /** With `dynamicSize`, each side must be a multiple of this (the network's total stride). */
    readonly sizeMultiple: number;
    /**
     * x = (px / divisor − mean) / std per channel. `divisor` 'image-max' divides by the largest channel value
     * of the resized picture (rembg's U²-Net preprocessing), a number by that constant.
     */
    readonly divisor: number | 'image-max';
    readonly mean: readonly [number, number, number];
    readonly std: readonly [number, number, number];
  };
  readonly output: {
    /** Output tensor name (the fused, full-resolution prediction; side outputs are ignored). */
    readonly name: string;
    /** What the values mean, quoted from the model card. */
    readonly meaning: string;
  };
}

/** A single-channel float map, row-major. */
export interface FloatMap {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

/**
 * Runs the model on RGB pixels already resized to the model's input size (interleaved, 3 bytes per pixel)
 * and returns the output map, clamped to 0..1.
 */
export async function predictSaliency(
  session: InferenceSession,
  spec: SalientModelSpec,
  rgb: Uint8Array,
  width: number,
  height: number,
): Promise<FloatMap> {
  const { input, output } = spec;
  const plane = width * height;
  if (rgb.length !== plane * 3) throw new Error(`expected ${plane * 3} RGB bytes, got ${rgb.length}`);
  if (!input.dynamicSize && (width !== input.trainedSize || height !== input.trainedSize)) {
    throw new Error(
      `${spec.name} only accepts ${input.trainedSize}×${input.trainedSize}, got ${width}×${height}`,
    );
  }
  if (width % input.sizeMultiple !== 0 || height % input.sizeMultiple !== 0) {
    throw new Error(
      `${spec.name} needs sides that are multiples of ${input.sizeMultiple}, got ${width}×${height}`,
    );
  }
  let divisor = typeof input.divisor === 'number' ? input.divisor : 0;
  if (input.divisor === 'image-max') {
    for (let i = 0; i < rgb.length; i++) if (rgb[i]! > divisor) divisor = rgb[i]!;
    divisor = Math.max(divisor, 1e-6);
  }
  const tensor = new Float32Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    const scale = 1 / (divisor * input.std[c]!);
    const offset = input.mean[c]! / input.std[c]!;
    const base = c * plane;
    for (let i = 0; i < plane; i++) tensor[base + i] = rgb[i * 3 + c]! * scale - offset;
  }
  const feeds = { [input.name]: new Tensor('float32', tensor, [1, 3, height, width]) };
  const results = await session.run(feeds, [output.name]);
  const out = results[output.name];
  if (!out) throw new Error(`${spec.name} produced no ${output.name}`);
  const values = out.data as Float32Array;
  if (values.length !== plane)
    throw new Error(`${spec.name} output has ${values.length} values, expected ${plane}`);
  const data = new Float32Array(plane);
  for (let i = 0; i < plane; i++) {
    const v = values[i]!;
    data[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  for (const t of Object.values(results)) t.dispose?.();
  return { data, width, height };
}
