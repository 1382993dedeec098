/**
 * Small, deterministic edits of ONNX files, used by model specs' `derive` to turn a shipped graph into the
 * one we run. No ONNX library: an ONNX file is a protobuf `ModelProto`, and the few messages we touch are
 * read and re-written field by field, every other field passing through byte for byte, so the same input
 * always gives the same output bytes (and the spec can pin their sha256).
 *
 * Field numbers quoted from onnx/onnx.proto3 (IR version 8):
 *   ModelProto      graph = 7
 *   GraphProto      node = 1, initializer = 5, input = 11, output = 12, value_info = 13
 *   NodeProto       input = 1, output = 2, name = 3, op_type = 4, attribute = 5
 *   AttributeProto  name = 1, i = 3, t = 5
 *   TensorProto     dims = 1, data_type = 2, int32_data = 5, name = 8, raw_data = 9   (FLOAT = 1, FLOAT16 = 10)
 *   ValueInfoProto  name = 1, type = 2;  TypeProto tensor_type = 1;  TypeProto.Tensor elem_type = 1, shape = 2
 *   TensorShapeProto dim = 1;  Dimension dim_value = 1, dim_param = 2
 */

// ---------------------------------------------------------------------------------------------------------
// Protobuf wire format: a message is a list of (field number, wire type, value).

const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
const FIXED32 = 5;

interface Field {
  readonly no: number;
  readonly wire: number;
  /** varint as bigint; fixed32/fixed64 and length-delimited values as their bytes. */
  readonly value: bigint | Uint8Array;
}

type Message = Field[];

function readVarint(buf: Uint8Array, pos: { at: number }): bigint {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const byte = buf[pos.at++];
    if (byte === undefined) throw new Error('truncated protobuf varint');
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return result;
    shift += 7n;
  }
}

function decode(buf: Uint8Array): Message {
  const fields: Message = [];
  const pos = { at: 0 };
  while (pos.at < buf.length) {
    const key = Number(readVarint(buf, pos));
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === VARINT) fields.push({ no, wire, value: readVarint(buf, pos) });
    else if (wire === FIXED64 || wire === FIXED32) {
      const n = wire === FIXED64 ? 8 : 4;
      fields.push({ no, wire, value: buf.subarray(pos.at, pos.at + n) });
      pos.at += n;
    } else if (wire === BYTES) {
      const n = Number(readVarint(buf, pos));
      if (pos.at + n > buf.length) throw new Error('truncated protobuf field');
      fields.push({ no, wire, value: buf.subarray(pos.at, pos.at + n) });
      pos.at += n;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  return fields;
}

function varintBytes(v: bigint): number[] {
  const out: number[] = [];
  let x = BigInt.asUintN(64, v);
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x > 0n) byte |= 0x80;
    out.push(byte);
  } while (x > 0n);
  return out;
}

function encode(message: Message): Buffer {
  const parts: Uint8Array[] = [];
  for (const f of message) {
    parts.push(Uint8Array.from(varintBytes(BigInt((f.no << 3) | f.wire))));
    if (f.wire === VARINT) parts.push(Uint8Array.from(varintBytes(f.value as bigint)));
    else {
      const bytes = f.value as Uint8Array;
      if (f.wire === BYTES) parts.push(Uint8Array.from(varintBytes(BigInt(bytes.length))));
      parts.push(bytes);
    }
  }
  return Buffer.concat(parts);
}

const bytesField = (no: number, value: Uint8Array): Field => ({ no, wire: BYTES, value });
const varintField = (no: number, value: number | bigint): Field => ({
  no,
  wire: VARINT,
  value: BigInt(value),
});
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const utf8 = (s: string) => Buffer.from(s, 'utf8');

function first(message: Message, no: number): Field | undefined {
  return message.find((f) => f.no === no);
}
function strings(message: Message, no: number): string[] {
  return message.filter((f) => f.no === no).map((f) => text(f.value as Uint8Array));
}
function varint(message: Message, no: number): bigint | undefined {
  const f = first(message, no);
  return f ? (f.value as bigint) : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// fp16 → fp32

const FLOAT = 1;
const FLOAT16 = 10;

/** IEEE 754 binary16 bits to a float32 value (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** A TensorProto with FLOAT16 data rewritten as FLOAT (raw_data little-endian); other tensors unchanged. */
function tensorToFloat32(tensor: Message): Message {
  if (varint(tensor, 2) !== BigInt(FLOAT16)) return tensor;
  const raw = first(tensor, 9);
  let halves: number[];
  if (raw) {
    const b = raw.value as Uint8Array;
    halves = [];
    for (let i = 0; i + 1 < b.length; i += 2) halves.push(b[i]! | (b[i + 1]! << 8));
  } else {
    // FLOAT16 may also sit in int32_data, one value per int32 (packed or not).
    halves = [];
    for (const f of tensor.filter((x) => x.no === 5)) {
      if (f.wire === VARINT) halves.push(Number(f.value));
      else {
        const pos = { at: 0 };
        const b = f.value as Uint8Array;
        while (pos.at < b.length) halves.push(Number(readVarint(b, pos)));
      }
    }
  }
  const out = Buffer.alloc(halves.length * 4);
  halves.forEach((h, i) => {
    out.writeFloatLE(halfToFloat(h), i * 4);
  });
  const kept = tensor.filter((f) => f.no !== 2 && f.no !== 5 && f.no !== 9);
  return [...kept, varintField(2, FLOAT), bytesField(9, out)];
}

function float32Tensor(name: string, values: readonly number[]): Message {
  const raw = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => {
    raw.writeFloatLE(v, i * 4);
  });
  const dims = Uint8Array.from(varintBytes(BigInt(values.length)));
  return [bytesField(1, dims), varintField(2, FLOAT), bytesField(8, utf8(name)), bytesField(9, raw)];
}

// ---------------------------------------------------------------------------------------------------------
// Graph edits

interface Node {
  readonly fields: Message;
  readonly opType: string;
  readonly name: string;
  readonly inputs: string[];
  readonly outputs: string[];
}

function readNode(bytes: Uint8Array): Node {
  const fields = decode(bytes);
  return {
    fields,
    opType: strings(fields, 4)[0] ?? '',
    name: strings(fields, 3)[0] ?? '',
    inputs: strings(fields, 1),
    outputs: strings(fields, 2),
  };
}

function writeNode(node: Node): Uint8Array {
  // Inputs and outputs are rewritten from the (possibly edited) lists; everything else passes through.
  const rest = node.fields.filter((f) => f.no !== 1 && f.no !== 2);
  const fields: Message = [
    ...node.inputs.map((n) => bytesField(1, utf8(n))),
    ...node.outputs.map((n) => bytesField(2, utf8(n))),
    ...rest.map((f) => {
      if (f.no !== 5) return f;
      // Attributes: Cast's `to`, and tensors (Constant's `value`) converted to FLOAT.
      const attr = decode(f.value as Uint8Array);
      const name = strings(attr, 1)[0];
      let edited = attr;
      if (node.opType === 'Cast' && name === 'to' && varint(attr, 3) === BigInt(FLOAT16)) {
        edited = attr.map((a) => (a.no === 3 ? varintField(3, FLOAT) : a));
      }
      edited = edited.map((a) =>
        a.no === 5 ? bytesField(5, encode(tensorToFloat32(decode(a.value as Uint8Array)))) : a,
      );
      return bytesField(5, encode(edited));
    }),
  ];
  return encode(fields);
}

/** A ValueInfoProto's static shape, `undefined` where a dimension is symbolic or unknown. */
function valueInfoShape(info: Message): { name: string; dims: (number | undefined)[] } {
  const name = strings(info, 1)[0] ?? '';
  const type = first(info, 2);
  const tensor = type ? first(decode(type.value as Uint8Array), 1) : undefined;
  const shape = tensor ? first(decode(tensor.value as Uint8Array), 2) : undefined;
  const dims = shape
    ? decode(shape.value as Uint8Array)
        .filter((f) => f.no === 1)
        .map((d) => {
          const v = varint(decode(d.value as Uint8Array), 1);
          return v === undefined ? undefined : Number(v);
        })
    : [];
  return { name, dims };
}

/** A ValueInfoProto with the given dims made symbolic (`dim_param`), so the graph accepts other sizes. */
function withSymbolicDims(info: Message, symbolic: ReadonlyMap<number, string>): Message {
  return info.map((f) => {
    if (f.no !== 2) return f;
    const type = decode(f.value as Uint8Array).map((t) => {
      if (t.no !== 1) return t;
      const tensor = decode(t.value as Uint8Array).map((s) => {
        if (s.no !== 2) return s;
        let index = -1;
        const shape = decode(s.value as Uint8Array).map((d) => {
          if (d.no !== 1) return d;
          index++;
          const param = symbolic.get(index);
          return param === undefined ? d : bytesField(1, encode([bytesField(2, utf8(param))]));
        });
        return bytesField(2, encode(shape));
      });
      return bytesField(1, encode(tensor));
    });
    return bytesField(2, encode(type));
  });
}

export interface GraphEdits {
  /** Convert FLOAT16 initializers, constants and casts to FLOAT (keeps the fp32 graph inputs and outputs). */
  readonly toFloat32?: boolean;
  /** Keep only these graph outputs, and drop the nodes and initializers nothing kept depends on. */
  readonly keepOutputs?: readonly string[];
  /**
   * Make the spatial dims (2 and 3, NCHW) of the graph's inputs and kept outputs symbolic, and turn every
   * Resize whose target `sizes` were traced as constants into a Resize by constant `scales` (target ÷ source
   * at the traced size, read from value_info). The graph then runs at any input size for which every
   * down-sampling is exact (a multiple of the network's total stride).
   */
  readonly dynamicSpatialSize?: boolean;
}

/** Applies `edits` to an ONNX ModelProto and returns the new file's bytes. Deterministic. */
export function editOnnxModel(model: Uint8Array, edits: GraphEdits): Buffer {
  const top = decode(model);
  const graphField = first(top, 7);
  if (!graphField) throw new Error('not an ONNX model: no graph');
  const graph = decode(graphField.value as Uint8Array);

  let nodes = graph.filter((f) => f.no === 1).map((f) => readNode(f.value as Uint8Array));
  let initializers = graph.filter((f) => f.no === 5).map((f) => decode(f.value as Uint8Array));
  let outputs = graph.filter((f) => f.no === 12).map((f) => decode(f.value as Uint8Array));
  let inputs = graph.filter((f) => f.no === 11).map((f) => decode(f.value as Uint8Array));
  const valueInfo = graph
    .filter((f) => f.no === 13)
    .map((f) => valueInfoShape(decode(f.value as Uint8Array)));

  if (edits.dynamicSpatialSize) {
    const shapes = new Map(valueInfo.map((v) => [v.name, v.dims]));
    const producers = new Map<string, Node>();
    for (const n of nodes) for (const o of n.outputs) producers.set(o, n);
    const constantInts = (name: string): number[] | undefined => {
      const n = producers.get(name);
      if (n?.opType !== 'Constant') return undefined;
      const attr = n.fields.filter((f) => f.no === 5).map((f) => decode(f.value as Uint8Array))[0];
      const t = attr && first(attr, 5);
      if (!t) return undefined;
      const tensor = decode(t.value as Uint8Array);
      const raw = first(tensor, 9)?.value as Uint8Array | undefined;
      if (varint(tensor, 2) !== 7n || !raw) return undefined; // INT64
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Array.from({ length: raw.length / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
    };
    const added: Message[] = [];
    nodes = nodes.map((n) => {
      const sizes = n.inputs[3];
      if (n.opType !== 'Resize' || !sizes) return n;
      // Traced as Concat(Slice(Shape(x), 0, 2), Constant([h, w])): the batch and channels of x, a fixed h×w.
      const concat = producers.get(sizes);
      const target = concat?.opType === 'Concat' ? constantInts(concat.inputs[1] ?? '') : undefined;
      const source = shapes.get(n.inputs[0] ?? '');
      const [sh, sw] = [source?.[2], source?.[3]];
      if (target?.length !== 2 || !sh || !sw) {
        throw new Error(`Resize ${n.name}: cannot read its traced target size or its input's shape`);
      }
      const scalesName = `${n.name}/scales`;
      added.push(float32Tensor(scalesName, [1, 1, target[0]! / sh, target[1]! / sw]));
      return { ...n, inputs: [n.inputs[0]!, n.inputs[1] ?? '', scalesName] };
    });
    initializers = [...initializers, ...added];
    const spatial = new Map([
      [2, 'height'],
      [3, 'width'],
    ]);
    inputs = inputs.map((i) => withSymbolicDims(i, spatial));
    outputs = outputs.map((o) => withSymbolicDims(o, spatial));
  }

  if (edits.keepOutputs) {
    const keep = new Set(edits.keepOutputs);
    outputs = outputs.filter((o) => keep.has(strings(o, 1)[0] ?? ''));
    if (outputs.length !== keep.size)
      throw new Error(`graph lacks some of the outputs ${[...keep].join(', ')}`);
  }

  // Drop nodes and initializers that no kept output depends on. (Converted graphs are not always listed in
  // topological order, so this walks producers rather than the node list.)
  const producerOf = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.outputs) producerOf.set(o, i);
  });
  const needed = new Set<string>();
  const keptIndex = new Set<number>();
  const stack = outputs.map((o) => strings(o, 1)[0] ?? '');
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (!name || needed.has(name)) continue;
    needed.add(name);
    const i = producerOf.get(name);
    if (i === undefined || keptIndex.has(i)) continue;
    keptIndex.add(i);
    stack.push(...nodes[i]!.inputs);
  }
  nodes = nodes.filter((_, i) => keptIndex.has(i));
  initializers = initializers.filter((t) => needed.has(strings(t, 8)[0] ?? ''));
  if (edits.toFloat32) initializers = initializers.map(tensorToFloat32);

  // Rebuild the graph in its original field order; value_info is dropped (onnxruntime infers shapes, and
  // the traced shapes would contradict a dynamic size or a converted type).
  const rebuilt: Message = [];
  let wrote = false;
  for (const f of graph) {
    if (f.no === 1 || f.no === 5 || f.no === 11 || f.no === 12 || f.no === 13) {
      if (!wrote) {
        wrote = true;
        rebuilt.push(
          ...nodes.map((n) => bytesField(1, edits.toFloat32 ? writeNode(n) : writeNodePlain(n))),
          ...initializers.map((t) => bytesField(5, encode(t))),
          ...inputs.map((i) => bytesField(11, encode(i))),
          ...outputs.map((o) => bytesField(12, encode(o))),
        );
      }
      continue;
    }
    rebuilt.push(f);
  }
  return encode(top.map((f) => (f.no === 7 ? bytesField(7, encode(rebuilt)) : f)));
}

function writeNodePlain(node: Node): Uint8Array {
  const rest = node.fields.filter((f) => f.no !== 1 && f.no !== 2);
  return encode([
    ...node.inputs.map((n) => bytesField(1, utf8(n))),
    ...node.outputs.map((n) => bytesField(2, utf8(n))),
    ...rest,
  ]);
}
