/**
 * Hands processors their ONNX sessions. Sessions are created once per process and model, with the CPU
 * memory arena off (it roughly halves peak memory at equal speed for our models), and run on one inference
 * thread (`inference-host.ts`) so a model pass never blocks the event loop. Processors receive a provider
 * through their context; they never load anything themselves.
 */
import type { Tensor } from 'onnxruntime-node';
import { InferenceHost } from './inference-host.js';
import type { ModelSpec } from './model-spec.js';
import type { ModelStore } from './model-store.js';

export { Tensor } from 'onnxruntime-node';

/** What processors need of a session: its tensor names and an inference that does not block. */
export interface InferenceSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Readonly<Record<string, Tensor>>, fetches?: readonly string[]): Promise<Record<string, Tensor>>;
}

/** Which variant of a model that comes in both runs here (`MODEL_PRECISION`, see `cpu-features.ts`). */
export type ModelPrecision = 'int8' | 'fp32';

export interface ModelProvider {
  readonly precision: ModelPrecision;
  session(spec: ModelSpec): Promise<InferenceSession>;
}

export interface SessionSettings {
  /** Threads one inference may use; 0 lets onnxruntime decide. */
  readonly intraOpThreads: number;
  readonly precision: ModelPrecision;
}

export class OnnxModelProvider implements ModelProvider {
  private readonly sessions = new Map<string, Promise<InferenceSession>>();
  private readonly host = new InferenceHost();

  constructor(
    private readonly store: ModelStore,
    private readonly settings: SessionSettings,
  ) {}

  get precision(): ModelPrecision {
    return this.settings.precision;
  }

  session(spec: ModelSpec): Promise<InferenceSession> {
    let s = this.sessions.get(spec.name);
    if (!s) {
      s = this.open(spec);
      this.sessions.set(spec.name, s);
      s.catch(() => this.sessions.delete(spec.name));
    }
    return s;
  }

  async release(): Promise<void> {
    this.sessions.clear();
    await this.host.close();
  }

  private async open(spec: ModelSpec): Promise<InferenceSession> {
    const path = await this.store.path(spec);
    const key = `${spec.name}@${spec.sha256}`;
    const names = await this.host.load(key, path, {
      executionProviders: ['cpu'],
      enableCpuMemArena: spec.memoryArena === true,
      ...(spec.allowSpinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
      graphOptimizationLevel: 'all',
      ...(this.settings.intraOpThreads > 0 ? { intraOpNumThreads: this.settings.intraOpThreads } : {}),
    });
    const host = this.host;
    return {
      ...names,
      run: (feeds, fetches) => host.run(key, feeds, fetches),
    };
  }
}
