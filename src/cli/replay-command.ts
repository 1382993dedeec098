/**
 * `media-studio replay`: reprocess a catalogue. Two ways:
 *  - `--to-datetime T [--group ROLE]`: move a stage's consumer group back to the offsets at time T (the
 *    group's workers must be stopped; Kafka refuses to move an active group's offsets);
 *  - `--from-jobs [--since T] [--status S] [--store ID]`: re-submit the recorded requests. With the same
 *    pipeline version a finished job is only re-announced; after a change a new versioned render is made.
 */
import { SingleBar } from 'cli-progress';
import type { Kafka } from 'kafkajs';
import { messageKey } from '../consumers/processed-event.js';
import type { JobRepository } from '../db/job-repository.js';
import { createProducer } from '../kafka/client.js';
import type { EventCodec } from '../kafka/event-codec.js';
import type { RequestedEvent } from '../schemas/events.js';
import type { JobStatus, StageRole } from '../schemas/vocabulary.js';
import type { Topology } from '../topology.js';

export interface ReplayDeps {
  readonly kafka: Kafka;
  readonly topology: Topology;
  readonly codec: EventCodec;
  readonly jobs: JobRepository;
  readonly progress: boolean;
}

export async function resetGroupToTime(deps: ReplayDeps, role: StageRole, at: Date): Promise<number> {
  const stage = deps.topology.stage(role);
  const admin = deps.kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsetsByTimestamp(stage.inputTopic, at.getTime());
    const bar = progressBar(deps.progress, offsets.length);
    await admin.setOffsets({
      groupId: stage.group,
      topic: stage.inputTopic,
      partitions: offsets.map((o) => ({ partition: o.partition, offset: o.offset })),
    });
    bar?.update(offsets.length);
    bar?.stop();
    return offsets.length;
  } finally {
    await admin.disconnect();
  }
}

export async function resubmitJobs(
  deps: ReplayDeps,
  filter: { since?: Date; status?: JobStatus; storeId?: string; limit?: number },
): Promise<number> {
  const rows = await deps.jobs.listJobs(filter);
  const producer = createProducer(deps.kafka);
  await producer.connect();
  const bar = progressBar(deps.progress, rows.length);
  try {
    for (const [i, job] of rows.entries()) {
      const event: RequestedEvent = {
        requestId: job.requestId,
        storeId: job.storeId,
        productId: job.productId,
        imageUrl: job.sourceUrl,
        operations: job.plan,
        output: job.output,
        requestedAt: Date.now(),
      };
      const value = await deps.codec.encode(deps.topology.requested, event);
      await producer.send({ topic: deps.topology.requested, messages: [{ key: messageKey(job), value }] });
      bar?.update(i + 1);
    }
  } finally {
    bar?.stop();
    await producer.disconnect();
  }
  return rows.length;
}

function progressBar(enabled: boolean, total: number): SingleBar | undefined {
  if (!enabled) return undefined;
  const bar = new SingleBar({
    format: 'replay [{bar}] {value}/{total} {percentage}% eta {eta}s',
    hideCursor: true,
  });
  bar.start(total, 0);
  return bar;
}
