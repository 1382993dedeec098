/**
 * Static int8 quantisation of a convolutional graph in ONNX's QDQ form: QuantizeLinear / DequantizeLinear
 * pairs around each convolution, which onnxruntime fuses into its int8 kernels (QLinearConv, with
 * QLinearConcat between them). On our 2-core Zen 4 its int8 convolutions run about four times as fast as
 * fp32 ones (AVX-512 VNNI).
 *
 * What is quantised, as onnxruntime's own static quantiser (`quantize_static`, QDQ, per-channel) does it:
 * - activations: uint8, asymmetric, one scale per tensor, from calibrated [min, max] ranges
 *   (`QdqOptions.ranges`, measured on real photos by `bench/calibrate-sr.ts`); the graph input with
 *   `inputScale` (1/255 is exact for 8-bit pixels);
 * - weights: int8, symmetric, one scale per output channel (`max |w| / 127`);
 * - biases: int32 with scale `input scale × weight scale`, zero point 0;
 * - a Relu of a quantised tensor gets [0, max] of its input, a Concat the widest of its inputs' ranges.
 * A convolution whose output has no range (the model's last) keeps a float output, so the residual added
 * to the upsampled input is not rounded to 8 bits.
 */
import type { OnnxNode, OnnxTensor } from './onnx-proto.js';

export interface QdqOptions {
  /** Calibrated [min, max] of convolution outputs, by tensor name; unlisted outputs stay float. */
  readonly ranges: Readonly<Record<string, readonly [number, number]>>;
  /** Quantisation step of the graph input. */
  readonly inputScale: number;
}

interface QParams {
  readonly scale: number;
  readonly zeroPoint: number;
  readonly range: readonly [number, number];
}

function fromRange([min, max]: readonly [number, number]): QParams {
  const lo = Math.min(0, min);
  const hi = Math.max(0, max, lo + 1e-6);
  const scale = (hi - lo) / 255;
  return { scale, zeroPoint: Math.max(0, Math.min(255, Math.round(-lo / scale))), range: [lo, hi] };
}

interface Graph {
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
}

/** Rewrites `graph` with QDQ pairs; see the module comment. */
export function quantizeQdq(graph: Graph, inputName: string, options: QdqOptions): Graph {
  const init = new Map(graph.initializers.map((t) => [t.name, t]));
  const added: OnnxTensor[] = [];
  const dropped = new Set<string>();
  const q = new Map<string, QParams>();
  q.set(inputName, { scale: options.inputScale, zeroPoint: 0, range: [0, 255 * options.inputScale] });

  // Which tensors carry quantisation parameters, in graph order.
  for (const n of graph.nodes) {
    const out = n.outputs[0]!;
    if (n.opType === 'Conv' && q.has(n.inputs[0]!)) {
      const range = options.ranges[out];
      if (range) q.set(out, fromRange(range));
    } else if (n.opType === 'Relu' && q.has(n.inputs[0]!)) {
      q.set(out, fromRange([0, q.get(n.inputs[0]!)!.range[1]]));
    } else if (n.opType === 'Concat' && n.inputs.every((i) => q.has(i))) {
      const widest = n.inputs
        .map((i) => q.get(i)!)
        .reduce((a, b) => (b.range[1] - b.range[0] > a.range[1] - a.range[0] ? b : a));
      q.set(out, widest);
    }
  }

  const nodes: OnnxNode[] = [];
  const scalar = (name: string, data: OnnxTensor['data']) => {
    added.push({ name, dims: [], data });
    return name;
  };
  /** Emits Q then DQ of a float tensor; readers use `${name}/dq`. */
  const quantDequant = (name: string) => {
    const p = q.get(name)!;
    const s = scalar(`${name}/scale`, Float32Array.of(p.scale));
    const z = scalar(`${name}/zero_point`, Uint8Array.of(p.zeroPoint));
    nodes.push({
      opType: 'QuantizeLinear',
      name: `${name}/QuantizeLinear`,
      inputs: [name, s, z],
      outputs: [`${name}/q`],
    });
    nodes.push({
      opType: 'DequantizeLinear',
      name: `${name}/DequantizeLinear`,
      inputs: [`${name}/q`, s, z],
      outputs: [`${name}/dq`],
    });
  };
  const quantisedOp = (n: OnnxNode) =>
    (n.opType === 'Conv' || n.opType === 'Relu' || n.opType === 'Concat') &&
    n.inputs.every((i) => q.has(i) || init.has(i));

  quantDequant(inputName);
  for (const n of graph.nodes) {
    if (!quantisedOp(n)) {
      nodes.push(n);
    } else if (n.opType !== 'Conv') {
      nodes.push({ ...n, inputs: n.inputs.map((i) => `${i}/dq`) });
    } else {
      const [x, w, b] = n.inputs as [string, string, string | undefined];
      const inScale = q.get(x)!.scale;
      const weight = init.get(w)!;
      const { values, scales } = perChannelInt8(weight.data as Float32Array, weight.dims[0]!);
      const outChannels = weight.dims[0]!;
      added.push({ name: `${w}/int8`, dims: weight.dims, data: values });
      added.push({ name: `${w}/scale`, dims: [outChannels], data: scales });
      added.push({ name: `${w}/zero_point`, dims: [outChannels], data: new Int8Array(outChannels) });
      dropped.add(w);
      nodes.push({
        opType: 'DequantizeLinear',
        name: `${w}/DequantizeLinear`,
        inputs: [`${w}/int8`, `${w}/scale`, `${w}/zero_point`],
        outputs: [`${w}/dq`],
        attributes: { axis: { int: 0 } },
      });
      const inputs = [`${x}/dq`, `${w}/dq`];
      if (b) {
        const bias = init.get(b)!.data as Float32Array;
        const biasScales = scales.map((s) => s * inScale);
        added.push({
          name: `${b}/int32`,
          dims: [outChannels],
          data: Int32Array.from(bias, (v, o) => Math.round(v / biasScales[o]!)),
        });
        added.push({ name: `${b}/scale`, dims: [outChannels], data: biasScales });
        added.push({ name: `${b}/zero_point`, dims: [outChannels], data: new Int32Array(outChannels) });
        dropped.add(b);
        nodes.push({
          opType: 'DequantizeLinear',
          name: `${b}/DequantizeLinear`,
          inputs: [`${b}/int32`, `${b}/scale`, `${b}/zero_point`],
          outputs: [`${b}/dq`],
          attributes: { axis: { int: 0 } },
        });
        inputs.push(`${b}/dq`);
      }
      nodes.push({ ...n, inputs });
    }
    const out = n.outputs[0]!;
    if (q.has(out) && quantisedOp(n)) quantDequant(out);
  }

  // Readers of a quantised tensor that are themselves quantised ops read its DQ (already mapped above);
  // others (Resize of the input, the final Add) keep reading the float tensor.
  return {
    nodes,
    initializers: [...graph.initializers.filter((t) => !dropped.has(t.name)), ...added],
  };
}

/** Symmetric per-output-channel int8 (−127..127) of weights laid out [out][…]. */
function perChannelInt8(w: Float32Array, out: number): { values: Int8Array; scales: Float32Array } {
  const per = w.length / out;
  const values = new Int8Array(w.length);
  const scales = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    let max = 0;
    for (let i = 0; i < per; i++) max = Math.max(max, Math.abs(w[o * per + i]!));
    const scale = max > 0 ? max / 127 : 1;
    scales[o] = scale;
    for (let i = 0; i < per; i++)
      values[o * per + i] = Math.max(-127, Math.min(127, Math.round(w[o * per + i]! / scale)));
  }
  return { values, scales };
}
