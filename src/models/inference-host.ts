/**
 * Runs onnxruntime sessions on one worker thread (`inference-worker.ts`) so inference never blocks the
 * caller's event loop. The caller sees promises; the worker serves one request at a time.
 *
 * The thread is started on first use and holds the process open only while requests are in flight (an idle
 * worker is `unref`'d, so a CLI run or a test file ends when its work does). If the thread dies, every
 * request in flight fails with `MS_INFERENCE_FAILED` (retriable: the stage runner tries the step again), and
 * the next request starts a new thread that loads the same sessions again.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Tensor } from 'onnxruntime-node';
import { MediaStudioError } from '../errors.js';
import type {
  InferenceReply,
  InferenceRequest,
  SessionNames,
  SessionOptions,
  TensorMessage,
} from './inference-protocol.js';

type Request = InferenceRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Pending {
  readonly resolve: (reply: InferenceReply) => void;
  readonly reject: (err: Error) => void;
}

/**
 * The worker beside this file. Built, it is `inference-worker.js`. Under tsx or vitest this file is `.ts`
 * and so is the worker, which a plain worker thread cannot load: a two-line bootstrap registers tsx's
 * loader in the thread first (`--import tsx` in a worker's execArgv is not honoured by Node 20).
 */
function startWorker(): Worker {
  const entry = new URL('./inference-worker.js', import.meta.url);
  if (!fileURLToPath(import.meta.url).endsWith('.ts')) return new Worker(entry);
  const tsx = join(
    dirname(createRequire(import.meta.url).resolve('tsx/package.json')),
    'dist/esm/api/index.mjs',
  );
  const source = new URL('./inference-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(pathToFileURL(tsx).href)})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { eval: true });
}

export class InferenceHost {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Sessions loaded so far, loaded again into a new thread after a crash. */
  private readonly loads = new Map<string, { path: string; options: SessionOptions }>();

  /** Loads a model file as session `key` (once per key) and returns its tensor names. */
  async load(key: string, path: string, options: SessionOptions): Promise<SessionNames> {
    const reply = await this.request({ kind: 'load', key, path, options });
    if (reply.kind !== 'loaded') throw new Error(`inference thread answered ${reply.kind} to load`);
    this.loads.set(key, { path, options });
    return reply.names;
  }

  /** One inference of session `key`; the feeds are copied, the caller keeps them. */
  async run(
    key: string,
    feeds: Readonly<Record<string, Tensor>>,
    fetches?: readonly string[],
  ): Promise<Record<string, Tensor>> {
    const messages: Record<string, TensorMessage> = {};
    for (const [name, t] of Object.entries(feeds)) {
      if (t.type === 'string') throw new Error(`feed ${name}: string tensors are not supported`);
      messages[name] = { type: t.type, dims: t.dims, data: t.data as TensorMessage['data'] };
    }
    const reply = await this.request({ kind: 'run', key, feeds: messages, ...(fetches ? { fetches } : {}) });
    if (reply.kind !== 'outputs') throw new Error(`inference thread answered ${reply.kind} to run`);
    const outputs: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(reply.outputs)) outputs[name] = new Tensor(t.type, t.data, t.dims);
    return outputs;
  }

  /** Releases every session and stops the thread; a later request starts afresh. */
  async close(): Promise<void> {
    this.loads.clear();
    const worker = this.worker;
    if (!worker) return;
    try {
      await this.request({ kind: 'release' });
    } finally {
      this.worker = null;
      await worker.terminate();
    }
  }

  private request(request: Request): Promise<InferenceReply> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<InferenceReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ ...request, id } as InferenceRequest);
    });
  }

  private start(): Worker {
    const worker = startWorker();
    worker.unref();
    worker.on('message', (reply: InferenceReply) => this.settle(reply));
    worker.on('error', (err) => this.stopped(worker, err.message));
    worker.on('exit', (code) => this.stopped(worker, `exit code ${code}`));
    this.worker = worker;
    // A thread started after a crash gets the sessions its predecessor had; runs queue behind the loads.
    for (const [key, { path, options }] of this.loads) {
      const id = this.nextId++;
      this.pending.set(id, { resolve: () => {}, reject: () => {} });
      worker.postMessage({ kind: 'load', id, key, path, options } satisfies InferenceRequest);
    }
    if (this.pending.size > 0) worker.ref();
    return worker;
  }

  private settle(reply: InferenceReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (reply.kind === 'failed') p.reject(new Error(reply.message));
    else p.resolve(reply);
  }

  private stopped(worker: Worker, why: string): void {
    if (this.worker !== worker) return; // closed on purpose, or already handled
    this.worker = null;
    const failed = [...this.pending.values()];
    this.pending.clear();
    for (const p of failed) {
      p.reject(new MediaStudioError('MS_INFERENCE_FAILED', `the inference thread stopped (${why})`));
    }
  }
}
