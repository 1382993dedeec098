/**
 * Converts an ncnn model (`.param` text graph + `.bin` weights) to ONNX, for the layer types the compact
 * super-resolution nets use: Input, Split, Convolution (with a fused ReLU/LeakyReLU/Clip/Sigmoid), PReLU,
 * ReLU, Eltwise sum, BinaryOp add/sub/mul, Interp nearest/bilinear and PixelShuffle. Anything else is
 * refused by name rather than converted approximately.
 *
 * The ncnn formats, as documented in Tencent/ncnn `docs/developer-guide/param-and-model-file-structure.md`
 * and implemented in `src/modelbin.cpp`:
 *
 *   .param  line 1: magic 7767517; line 2: layer_count blob_count; then one layer per line:
 *           `type name bottom_count top_count bottom... top... id=value ...`, where an array param is
 *           written `-233xx=n,v1,...,vn` for id xx and a value is a float when it has `.` or `e`.
 *   .bin    each layer's data in layer order. A weight blob ("type 0") starts with a 4-byte tag:
 *           0x01306B47 → IEEE fp16 values, padded to 4 bytes; 0 → raw fp32; anything else (int8,
 *           codebook-quantised) is refused. Biases and PReLU slopes ("type 1") are raw fp32, untagged.
 *
 * Layer params used here (from each layer's `load_param`):
 *   Convolution  0=num_output 1=kernel_w 11=kernel_h 2=dilation_w 12=dilation_h 3=stride_w 13=stride_h
 *                4=pad_left 14=pad_top 15=pad_right 16=pad_bottom 5=bias_term 6=weight_data_size
 *                8=int8_scale_term 9=activation_type (0 none 1 relu 2 leakyrelu 3 clip 4 sigmoid)
 *                10=activation_params; weights are [out][in][kh][kw], like ONNX.
 *   PReLU        0=num_slope            ReLU 0=slope            Eltwise 0=op_type (1 sum) 1=coeffs
 *   BinaryOp     0=op_type (0 add 1 sub 2 mul) 1=with_scalar    PixelShuffle 0=upscale_factor 1=mode
 *   Interp       0=resize_type (1 nearest 2 bilinear) 1=height_scale 2=width_scale 3=out_h 4=out_w
 *
 * ncnn's PixelShuffle mode 0 is PyTorch's pixel_shuffle, which is ONNX DepthToSpace in CRD mode; ncnn's
 * nearest Interp picks `floor(dst * in / out)`, which is ONNX Resize nearest with `asymmetric`
 * coordinates and `floor` rounding.
 */
import { halfToFloat } from './onnx-edit.js';
import { encodeOnnxModel, type OnnxNode, type OnnxTensor } from './onnx-proto.js';
import { type QdqOptions, quantizeQdq } from './quantize-qdq.js';

const PARAM_MAGIC = 7767517;
const TAG_FP16 = 0x01306b47;
/** Opset 17: Resize with `scales` as its third input, DepthToSpace with `mode`. */
const OPSET = 17;

type ParamValue = number | number[];

export interface NcnnLayer {
  readonly type: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly params: ReadonlyMap<number, ParamValue>;
}

export class NcnnConversionError extends Error {
  override readonly name = 'NcnnConversionError';
}

/** Parses the text of a `.param` file. */
export function parseNcnnParam(text: string): NcnnLayer[] {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (Number(lines[0]) !== PARAM_MAGIC) throw new NcnnConversionError('not an ncnn .param file (bad magic)');
  const [layerCount] = (lines[1] ?? '').split(/\s+/).map(Number);
  const layers: NcnnLayer[] = [];
  for (const line of lines.slice(2)) {
    const f = line.split(/\s+/);
    const [type, name, bottoms, tops] = [f[0]!, f[1]!, Number(f[2]), Number(f[3])];
    const inputs = f.slice(4, 4 + bottoms);
    const outputs = f.slice(4 + bottoms, 4 + bottoms + tops);
    const params = new Map<number, ParamValue>();
    for (const kv of f.slice(4 + bottoms + tops)) {
      const [k, v] = kv.split('=') as [string, string];
      const id = Number(k);
      if (id <= -23300) {
        const [, ...values] = v.split(',').map(Number);
        params.set(-id - 23300, values);
      } else {
        params.set(id, Number(v));
      }
    }
    layers.push({ type, name, inputs, outputs, params });
  }
  if (layers.length !== layerCount) {
    throw new NcnnConversionError(`.param declares ${layerCount} layers but lists ${layers.length}`);
  }
  return layers;
}

/** Reads weights from a `.bin` in order, the way ncnn's ModelBinFromDataReader does. */
class BinReader {
  private offset = 0;

  constructor(private readonly bin: Buffer) {}

  private need(bytes: number, what: string): void {
    if (this.offset + bytes > this.bin.length) {
      throw new NcnnConversionError(`.bin ends before ${what} (offset ${this.offset}, need ${bytes} bytes)`);
    }
  }

  /** A raw fp32 blob ("type 1": biases, slopes). */
  raw(count: number, what: string): Float32Array {
    this.need(count * 4, what);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = this.bin.readFloatLE(this.offset + i * 4);
    this.offset += count * 4;
    return out;
  }

  /** A tagged blob ("type 0": weights), fp16 or raw fp32. */
  tagged(count: number, what: string): Float32Array {
    this.need(4, what);
    const tag = this.bin.readUInt32LE(this.offset);
    this.offset += 4;
    if (tag === 0) return this.raw(count, what);
    if (tag !== TAG_FP16) {
      throw new NcnnConversionError(
        `${what}: weight tag 0x${tag.toString(16)} (int8 or quantised) is not supported`,
      );
    }
    const padded = Math.ceil((count * 2) / 4) * 4;
    this.need(padded, what);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = halfToFloat(this.bin.readUInt16LE(this.offset + i * 2));
    this.offset += padded;
    return out;
  }

  get remaining(): number {
    return this.bin.length - this.offset;
  }
}

export interface ConvertOptions {
  /** Recorded in the ONNX graph's doc string (where the weights come from). */
  readonly docString?: string;
  /**
   * How a per-channel PReLU is written. `prelu` (default) is the ONNX PRelu op. `nchwc` writes the same
   * function as `BN(1−s)(Relu(x)) + BN(s)(x)` — BatchNormalization used as a per-channel scale — because
   * onnxruntime's CPU layout optimiser (NCHWc, the blocked layout its fast convolutions use) has Relu,
   * BatchNormalization and Add but no PRelu: a PRelu costs a reorder out of and back into that layout
   * around every convolution, about a quarter of the model's time. Exact up to float rounding.
   * `concat` writes `concat(Relu(x), x)` and folds `(1 − s)` and `s` into the input channels of the
   * convolution that reads it (which then has twice the input channels): no per-channel op is left
   * between two convolutions, so an int8 graph stays int8 (onnxruntime has no quantised PRelu). Only
   * used when every reader of the PReLU is a convolution; exact up to float rounding.
   */
  readonly prelu?: 'prelu' | 'nchwc' | 'concat';
  /** Further blobs to expose as graph outputs (float), e.g. to calibrate quantisation. */
  readonly extraOutputs?: readonly string[];
  /** Quantise to int8 QDQ (see `quantize-qdq.ts`); needs `prelu: 'concat'` for the PReLUs to stay int8. */
  readonly quantize?: QdqOptions;
  /** Names given to the ONNX graph's input and output (default: the ncnn blob names). */
  readonly inputName?: string;
  readonly outputName?: string;
}

const num = (layer: NcnnLayer, id: number, fallback: number): number => {
  const v = layer.params.get(id);
  if (v === undefined) return fallback;
  if (Array.isArray(v)) throw new NcnnConversionError(`${layer.name}: param ${id} is an array`);
  return v;
};
const arr = (layer: NcnnLayer, id: number): number[] => {
  const v = layer.params.get(id);
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

/** Weights [out][in][k] for concat(Relu(x), x): [out][in][k]·(1 − s_in), then [out][in][k]·s_in. */
function splitPreluWeights(
  w: Float32Array,
  out: number,
  inCh: number,
  k: number,
  s: Float32Array,
): Float32Array {
  const res = new Float32Array(2 * w.length);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inCh; i++) {
      for (let t = 0; t < k; t++) {
        const v = w[(o * inCh + i) * k + t]!;
        res[(o * 2 * inCh + i) * k + t] = v * (1 - s[i]!);
        res[(o * 2 * inCh + inCh + i) * k + t] = v * s[i]!;
      }
    }
  }
  return res;
}

type Emit = (opType: string, inputs: string[], attributes?: OnnxNode['attributes'], output?: string) => void;
type Constant = (name: string, dims: number[], data: Float32Array) => string;

/** PReLU(x) = (1 − s)·Relu(x) + s·x, each per-channel scale a BatchNormalization (see `ConvertOptions`). */
function emitPreluAsBatchNorms(
  name: string,
  x: string,
  out: string,
  slope: Float32Array,
  emit: Emit,
  constant: Constant,
) {
  const n = slope.length;
  // BatchNormalization computes scale·(x − mean)/√(var + ε) + bias; var = 1 − ε makes the divisor exactly 1.
  const epsilon = 1e-5;
  const zeros = constant(`${name}.zeros`, [n], new Float32Array(n));
  const variance = constant(`${name}.variance`, [n], new Float32Array(n).fill(1 - epsilon));
  const scaleRelu = constant(
    `${name}.scale_relu`,
    [n],
    slope.map((s) => 1 - s),
  );
  const scaleLinear = constant(`${name}.scale_linear`, [n], slope);
  emit('Relu', [x], undefined, `${out}/relu`);
  emit(
    'BatchNormalization',
    [`${out}/relu`, scaleRelu, zeros, zeros, variance],
    { epsilon: { float: epsilon } },
    `${out}/bn_relu`,
  );
  emit(
    'BatchNormalization',
    [x, scaleLinear, zeros, zeros, variance],
    { epsilon: { float: epsilon } },
    `${out}/bn_linear`,
  );
  emit('Add', [`${out}/bn_relu`, `${out}/bn_linear`]);
}

/** Converts an ncnn graph and its weights to the bytes of an ONNX model (opset 17, fp32 weights). */
export function ncnnToOnnx(paramText: string, bin: Buffer, options: ConvertOptions = {}): Buffer {
  const layers = parseNcnnParam(paramText);
  const weights = new BinReader(bin);
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  // Split layers produce aliases of one blob; ONNX values can simply be read twice.
  const alias = new Map<string, string>();
  const blob = (name: string) => alias.get(name) ?? name;
  const graphInputs: string[] = [];
  const consumed = new Set<string>();
  const produced: string[] = [];
  const constant = (name: string, dims: number[], data: Float32Array | BigInt64Array) => {
    initializers.push({ name, dims, data });
    return name;
  };
  // PReLU outputs written as concat(Relu(x), x), with their slopes, for the convolutions that read them.
  const concatSlopes = new Map<string, Float32Array>();
  const readers = (name: string): NcnnLayer[] =>
    layers
      .filter((l) => l.inputs.includes(name))
      .flatMap((l) => (l.type === 'Split' ? l.outputs.flatMap(readers) : [l]));

  for (const layer of layers) {
    const ins = layer.inputs.map(blob);
    for (const i of ins) consumed.add(i);
    const out = layer.outputs[0]!;
    const emit = (opType: string, inputs: string[], attributes?: OnnxNode['attributes'], output = out) => {
      nodes.push({
        opType,
        name: `${layer.name}/${output}`,
        inputs,
        outputs: [output],
        ...(attributes ? { attributes } : {}),
      });
    };
    switch (layer.type) {
      case 'Input':
        graphInputs.push(out);
        break;
      case 'Split':
        for (const o of layer.outputs) alias.set(o, ins[0]!);
        break;
      case 'Convolution': {
        if (num(layer, 8, 0) !== 0)
          throw new NcnnConversionError(`${layer.name}: int8 convolution is not supported`);
        const outChannels = num(layer, 0, 0);
        const kw = num(layer, 1, 0);
        const kh = num(layer, 11, kw);
        const size = num(layer, 6, 0);
        const inChannels = size / (outChannels * kw * kh);
        if (!Number.isInteger(inChannels))
          throw new NcnnConversionError(`${layer.name}: weight size does not factor`);
        const padLeft = num(layer, 4, 0);
        const padTop = num(layer, 14, padLeft);
        const pads = [padTop, padLeft, num(layer, 16, padTop), num(layer, 15, padLeft)];
        if (pads.some((p) => p < 0))
          throw new NcnnConversionError(`${layer.name}: automatic (SAME) padding is not supported`);
        let weightData = weights.tagged(size, `${layer.name} weights`);
        let weightIn = inChannels;
        const slopes = concatSlopes.get(ins[0]!);
        if (slopes) {
          // The input is concat(Relu(x), x): W·PReLU(x) = (W·(1 − s))·Relu(x) + (W·s)·x.
          weightData = splitPreluWeights(weightData, outChannels, inChannels, kh * kw, slopes);
          weightIn = 2 * inChannels;
        }
        const w = constant(`${layer.name}.weight`, [outChannels, weightIn, kh, kw], weightData);
        const inputs = [ins[0]!, w];
        if (num(layer, 5, 0))
          inputs.push(
            constant(`${layer.name}.bias`, [outChannels], weights.raw(outChannels, `${layer.name} bias`)),
          );
        const activation = num(layer, 9, 0);
        const convOut = activation === 0 ? out : `${out}/conv`;
        emit(
          'Conv',
          inputs,
          {
            kernel_shape: { ints: [kh, kw] },
            strides: { ints: [num(layer, 13, num(layer, 3, 1)), num(layer, 3, 1)] },
            dilations: { ints: [num(layer, 12, num(layer, 2, 1)), num(layer, 2, 1)] },
            pads: { ints: pads },
          },
          convOut,
        );
        const ap = arr(layer, 10);
        if (activation === 1) emit('Relu', [convOut]);
        else if (activation === 2) emit('LeakyRelu', [convOut], { alpha: { float: ap[0] ?? 0 } });
        else if (activation === 3) {
          emit('Clip', [
            convOut,
            constant(`${layer.name}.min`, [], Float32Array.of(ap[0]!)),
            constant(`${layer.name}.max`, [], Float32Array.of(ap[1]!)),
          ]);
        } else if (activation === 4) emit('Sigmoid', [convOut]);
        else if (activation !== 0)
          throw new NcnnConversionError(`${layer.name}: activation ${activation} is not supported`);
        break;
      }
      case 'PReLU': {
        const n = num(layer, 0, 0);
        const slope = weights.raw(n, `${layer.name} slopes`);
        if (options.prelu === 'nchwc' && n > 1) {
          emitPreluAsBatchNorms(layer.name, ins[0]!, out, slope, emit, constant);
          break;
        }
        const reading = readers(out);
        if (
          options.prelu === 'concat' &&
          n > 1 &&
          reading.length > 0 &&
          reading.every((l) => l.type === 'Convolution')
        ) {
          emit('Relu', [ins[0]!], undefined, `${out}/relu`);
          emit('Concat', [`${out}/relu`, ins[0]!], { axis: { int: 1 } });
          concatSlopes.set(out, slope);
          break;
        }
        // One slope for all channels broadcasts as a scalar; per-channel slopes as [C, 1, 1] over NCHW.
        emit('PRelu', [ins[0]!, constant(`${layer.name}.slope`, n === 1 ? [1] : [n, 1, 1], slope)]);
        break;
      }
      case 'ReLU': {
        const slope = num(layer, 0, 0);
        if (slope === 0) emit('Relu', [ins[0]!]);
        else emit('LeakyRelu', [ins[0]!], { alpha: { float: slope } });
        break;
      }
      case 'Eltwise': {
        if (num(layer, 0, 1) !== 1 || arr(layer, 1).some((c) => c !== 1)) {
          throw new NcnnConversionError(`${layer.name}: only an unweighted Eltwise sum is supported`);
        }
        emit('Sum', ins);
        break;
      }
      case 'BinaryOp': {
        const ops = ['Add', 'Sub', 'Mul'];
        const op = ops[num(layer, 0, 0)];
        if (!op || num(layer, 1, 0) !== 0 || ins.length !== 2) {
          throw new NcnnConversionError(`${layer.name}: only add, sub and mul of two blobs are supported`);
        }
        emit(op, ins);
        break;
      }
      case 'Interp': {
        const type = num(layer, 0, 0);
        if (type !== 1 && type !== 2)
          throw new NcnnConversionError(`${layer.name}: only nearest and bilinear Interp are supported`);
        if (num(layer, 3, 0) || num(layer, 4, 0))
          throw new NcnnConversionError(`${layer.name}: a fixed output size is not supported`);
        const scales = constant(
          `${layer.name}.scales`,
          [4],
          Float32Array.of(1, 1, num(layer, 1, 1), num(layer, 2, 1)),
        );
        emit(
          'Resize',
          [ins[0]!, '', scales],
          type === 1
            ? {
                mode: { string: 'nearest' },
                coordinate_transformation_mode: { string: 'asymmetric' },
                nearest_mode: { string: 'floor' },
              }
            : // ncnn's bilinear Interp without align_corner is PyTorch's align_corners=False.
              { mode: { string: 'linear' }, coordinate_transformation_mode: { string: 'half_pixel' } },
        );
        break;
      }
      case 'PixelShuffle': {
        if (num(layer, 1, 0) !== 0)
          throw new NcnnConversionError(`${layer.name}: only PixelShuffle mode 0 is supported`);
        emit('DepthToSpace', [ins[0]!], { blocksize: { int: num(layer, 0, 1) }, mode: { string: 'CRD' } });
        break;
      }
      default:
        throw new NcnnConversionError(`layer ${layer.name}: ncnn layer type ${layer.type} is not supported`);
    }
    if (layer.type !== 'Split') produced.push(...layer.outputs);
  }
  if (weights.remaining !== 0)
    throw new NcnnConversionError(`.bin has ${weights.remaining} bytes the graph does not use`);
  const outputs = produced.filter((p) => !consumed.has(p) && !graphInputs.includes(p));
  if (graphInputs.length !== 1 || outputs.length !== 1) {
    throw new NcnnConversionError(
      `expected one input and one output, found ${graphInputs.length} and ${outputs.length}`,
    );
  }

  // Optional renaming of the graph's input and output.
  const rename = new Map<string, string>();
  if (options.inputName) rename.set(graphInputs[0]!, options.inputName);
  if (options.outputName) rename.set(outputs[0]!, options.outputName);
  const r = (n: string) => rename.get(n) ?? n;
  let graph: { nodes: readonly OnnxNode[]; initializers: readonly OnnxTensor[] } = { nodes, initializers };
  if (options.quantize) graph = quantizeQdq(graph, graphInputs[0]!, options.quantize);
  const renamed = graph.nodes.map((n) => ({ ...n, inputs: n.inputs.map(r), outputs: n.outputs.map(r) }));
  const inChannels = initializers[0]?.dims[1] ?? 3;

  return encodeOnnxModel({
    graphName: 'ncnn-converted',
    docString: options.docString ?? '',
    producer: { name: 'media-studio ncnn-to-onnx', version: '1' },
    opset: OPSET,
    nodes: renamed,
    initializers: graph.initializers,
    inputs: [{ name: r(graphInputs[0]!), shape: [1, inChannels, 'height', 'width'] }],
    outputs: [
      { name: r(outputs[0]!), shape: [1, 'channels', 'out_height', 'out_width'] },
      ...(options.extraOutputs ?? []).map((name) => ({ name, shape: ['n', 'c', 'h', 'w'] })),
    ],
  });
}
