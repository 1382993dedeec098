/**
 * The thread onnxruntime runs on. onnxruntime-node's `run()` is a blocking native call made on the calling
 * thread (upstream issue #19611): on the main thread an ISNet pass or an upscaling tile stops the event loop
 * for seconds — Kafka heartbeats, `/health`, timers and the JavaScript of the next tile all wait. Here it
 * blocks only this thread. Requests are served in arrival order, one inference at a time, so memory stays
 * that of one model pass however many callers wait.
 */
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { InferenceReply, InferenceRequest, TensorMessage } from './inference-protocol.js';

const port = parentPort;
if (!port) throw new Error('inference-worker.ts runs as a worker thread only');

const sessions = new Map<string, Promise<ort.InferenceSession>>();

function reply(message: InferenceReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

async function serve(request: InferenceRequest): Promise<void> {
  switch (request.kind) {
    case 'load': {
      let session = sessions.get(request.key);
      if (!session) {
        session = ort.InferenceSession.create(request.path, { ...request.options });
        sessions.set(request.key, session);
        session.catch(() => sessions.delete(request.key));
      }
      const s = await session;
      reply({
        kind: 'loaded',
        id: request.id,
        names: { inputNames: s.inputNames, outputNames: s.outputNames },
      });
      return;
    }
    case 'run': {
      const session = sessions.get(request.key);
      if (!session) throw new Error(`no session ${request.key} is loaded`);
      const s = await session;
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(request.feeds)) {
        feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
      }
      const results = request.fetches ? await s.run(feeds, [...request.fetches]) : await s.run(feeds);
      const outputs: Record<string, TensorMessage> = {};
      const transfer: ArrayBuffer[] = [];
      for (const [name, t] of Object.entries(results)) {
        const data = t.data as TensorMessage['data'];
        outputs[name] = { type: t.type as TensorMessage['type'], dims: t.dims, data };
        if (data.buffer instanceof ArrayBuffer && !transfer.includes(data.buffer)) transfer.push(data.buffer);
      }
      reply({ kind: 'outputs', id: request.id, outputs }, transfer);
      return;
    }
    case 'release': {
      const all = [...sessions.values()];
      sessions.clear();
      for (const s of all) await (await s.catch(() => undefined))?.release();
      reply({ kind: 'released', id: request.id });
      return;
    }
  }
}

port.on('message', (request: InferenceRequest) => {
  serve(request).catch((err: unknown) => {
    reply({ kind: 'failed', id: request.id, message: err instanceof Error ? err.message : String(err) });
  });
});
