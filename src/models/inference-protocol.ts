/**
 * The messages between `InferenceHost` (the caller's thread) and `inference-worker.ts` (the thread that runs
 * onnxruntime). Tensors cross as their type, dims and data: the typed array is copied on the way in (the
 * caller keeps its array) and transferred on the way out (the worker has no further use for it).
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';

/** The numeric tensors our models take and give; strings never cross. */
export type NumericTensorType = Exclude<Tensor.Type, 'string'>;

export interface TensorMessage {
  readonly type: NumericTensorType;
  readonly dims: readonly number[];
  readonly data: Exclude<Tensor.DataType, string[]>;
}

/** Session options that can cross a thread boundary (plain data only). */
export type SessionOptions = Pick<
  InferenceSession.SessionOptions,
  'executionProviders' | 'enableCpuMemArena' | 'graphOptimizationLevel' | 'intraOpNumThreads' | 'extra'
>;

export type InferenceRequest =
  | {
      readonly kind: 'load';
      readonly id: number;
      readonly key: string;
      readonly path: string;
      readonly options: SessionOptions;
    }
  | {
      readonly kind: 'run';
      readonly id: number;
      readonly key: string;
      readonly feeds: Readonly<Record<string, TensorMessage>>;
      readonly fetches?: readonly string[];
    }
  | { readonly kind: 'release'; readonly id: number };

export interface SessionNames {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

export type InferenceReply =
  | { readonly kind: 'loaded'; readonly id: number; readonly names: SessionNames }
  | {
      readonly kind: 'outputs';
      readonly id: number;
      readonly outputs: Readonly<Record<string, TensorMessage>>;
    }
  | { readonly kind: 'released'; readonly id: number }
  | { readonly kind: 'failed'; readonly id: number; readonly message: string };
