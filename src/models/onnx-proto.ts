/**
 * Just enough of the ONNX protobuf schema to write a model file: ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto and ValueInfoProto, hand-encoded in the protobuf wire format. Field numbers
 * are quoted from onnx/onnx.proto3 (onnx 1.17):
 *
 *   ModelProto     { int64 ir_version = 1; string producer_name = 2; string producer_version = 3;
 *                    GraphProto graph = 7; repeated OperatorSetIdProto opset_import = 8; }
 *   OperatorSetIdProto { string domain = 1; int64 version = 2; }
 *   GraphProto     { repeated NodeProto node = 1; string name = 2; repeated TensorProto initializer = 5;
 *                    string doc_string = 10; repeated ValueInfoProto input = 11; output = 12; }
 *   NodeProto      { repeated string input = 1; repeated string output = 2; string name = 3;
 *                    string op_type = 4; repeated AttributeProto attribute = 5; }
 *   AttributeProto { string name = 1; float f = 2; int64 i = 3; bytes s = 4; repeated float floats = 7;
 *                    repeated int64 ints = 8; AttributeType type = 20; }   FLOAT=1 INT=2 STRING=3 FLOATS=6 INTS=7
 *   TensorProto    { repeated int64 dims = 1; int32 data_type = 2; string name = 8; bytes raw_data = 9; }
 *                    FLOAT=1 UINT8=2 INT8=3 INT32=6 INT64=7; raw_data is little-endian
 *   ValueInfoProto { string name = 1; TypeProto type = 2; }
 *   TypeProto      { Tensor tensor_type = 1; }  Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; }
 *   TensorShapeProto { repeated Dimension dim = 1; }  Dimension { int64 dim_value = 1; string dim_param = 2; }
 *
 * Wire format: each field is a varint key `(number << 3) | wireType` followed by a varint (type 0), 4
 * little-endian bytes (type 5) or a varint length and the bytes (type 2: strings, bytes, messages,
 * packed repeated scalars). Output is deterministic: the same model always encodes to the same bytes.
 */

const VARINT = 0;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** Appends protobuf fields to a growing list of chunks. */
class Writer {
  private readonly chunks: Buffer[] = [];

  private key(field: number, wireType: number): void {
    this.varint(BigInt(field * 8 + wireType));
  }

  private varint(value: bigint): void {
    // Negative int64 values are encoded as their 64-bit two's complement (10 bytes).
    let v = value < 0n ? value + (1n << 64n) : value;
    const bytes: number[] = [];
    while (v >= 0x80n) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.chunks.push(Buffer.from(bytes));
  }

  int(field: number, value: number | bigint): this {
    this.key(field, VARINT);
    this.varint(BigInt(value));
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, FIXED32);
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.chunks.push(b);
    return this;
  }

  bytes(field: number, value: Buffer | Uint8Array): this {
    this.key(field, LENGTH_DELIMITED);
    this.varint(BigInt(value.length));
    this.chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  message(field: number, value: Writer): this {
    return this.bytes(field, value.finish());
  }

  /** A packed repeated int64 field. */
  packedInts(field: number, values: readonly number[]): this {
    const inner = new Writer();
    for (const v of values) inner.varint(BigInt(v));
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: readonly number[]): this {
    const b = Buffer.alloc(values.length * 4);
    for (const [i, v] of values.entries()) b.writeFloatLE(v, i * 4);
    return this.bytes(field, b);
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export const TensorDataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;

/** One attribute value, its ONNX type spelled out (an integral float such as `1.0` must stay a FLOAT). */
export type AttributeValue =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly string: string }
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] };

export interface OnnxNode {
  readonly opType: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface OnnxTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array;
}

/** A graph input or output: float tensor, each dimension fixed or named (symbolic). */
export interface OnnxValueInfo {
  readonly name: string;
  readonly shape: readonly (number | string)[];
}

export interface OnnxModel {
  readonly graphName: string;
  readonly docString: string;
  readonly producer: { readonly name: string; readonly version: string };
  readonly opset: number;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

/** ONNX IR version 8 goes with opsets up to 17 and is read by every onnxruntime since 1.11. */
const IR_VERSION = 8;

function attribute(name: string, value: AttributeValue): Writer {
  const w = new Writer().string(1, name);
  if ('float' in value) return w.float(2, value.float).int(20, 1);
  if ('int' in value) return w.int(3, value.int).int(20, 2);
  if ('string' in value) return w.bytes(4, Buffer.from(value.string, 'utf8')).int(20, 3);
  if ('floats' in value) return w.packedFloats(7, value.floats).int(20, 6);
  return w.packedInts(8, value.ints).int(20, 7);
}

function node(n: OnnxNode): Writer {
  const w = new Writer();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.message(5, attribute(k, v));
  return w;
}

function dataType(data: OnnxTensor['data']): number {
  if (data instanceof Float32Array) return TensorDataType.FLOAT;
  if (data instanceof Uint8Array) return TensorDataType.UINT8;
  if (data instanceof Int8Array) return TensorDataType.INT8;
  if (data instanceof Int32Array) return TensorDataType.INT32;
  return TensorDataType.INT64;
}

function tensor(t: OnnxTensor): Writer {
  const w = new Writer();
  w.packedInts(1, t.dims);
  w.int(2, dataType(t.data));
  w.string(8, t.name);
  // raw_data is little-endian; typed arrays are in host order, which is little-endian on every platform
  // onnxruntime-node ships for.
  return w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function valueInfo(v: OnnxValueInfo): Writer {
  const shape = new Writer();
  for (const d of v.shape) {
    shape.message(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
  }
  const tensorType = new Writer().int(1, TensorDataType.FLOAT).message(2, shape);
  return new Writer().string(1, v.name).message(2, new Writer().message(1, tensorType));
}

/** Serialises a model to the bytes of an `.onnx` file. */
export function encodeOnnxModel(model: OnnxModel): Buffer {
  const graph = new Writer();
  for (const n of model.nodes) graph.message(1, node(n));
  graph.string(2, model.graphName);
  for (const t of model.initializers) graph.message(5, tensor(t));
  graph.string(10, model.docString);
  for (const i of model.inputs) graph.message(11, valueInfo(i));
  for (const o of model.outputs) graph.message(12, valueInfo(o));
  return new Writer()
    .int(1, IR_VERSION)
    .string(2, model.producer.name)
    .string(3, model.producer.version)
    .message(7, graph)
    .message(8, new Writer().string(1, '').int(2, model.opset))
    .finish();
}
