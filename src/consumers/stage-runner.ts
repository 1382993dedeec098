/**
 * Runs one stage: fetch → decode → handle (with retries) → produce the next events and commit the input
 * offset in ONE Kafka transaction. Consumers read committed only, so a crash anywhere before the commit
 * leaves no trace downstream and the message is redelivered; the stage's own side effects are
 * idempotent, so the redo lands in the same places.
 *
 * Decisions come from the error's `code` and `retriable` alone:
 *  - MS_EVENT_UNDECODABLE → the raw message goes to the dead-letter topic (with the error in headers);
 *  - retriable → retried here with backoff and jitter, up to RETRY_MAX_ATTEMPTS, then the job fails;
 *  - anything else → the job fails at once and a failed `processed` event is published.
 */
import type { Kafka } from 'kafkajs';
import { MediaStudioError, toMediaStudioError } from '../errors.js';
import type { StageMetrics } from '../http/metrics.js';
import {
  type Consumer,
  createConsumer,
  createTransactionalProducer,
  type EachMessagePayload,
  type Producer,
} from '../kafka/client.js';
import type { EventCodec } from '../kafka/event-codec.js';
import type { Logger } from '../logger.js';
import type { DeadLetterEvent } from '../schemas/events.js';
import type { StageTopology, Topology } from '../topology.js';
import { backoffDelayMs, sleep } from './backoff.js';
import type { OutgoingMessage, StageHandler, StageOutcome, StageRunContext } from './stage-handler.js';

export interface RunnerSettings {
  readonly clientId: string;
  /** Stable across restarts of the same worker, so a restarted worker fences its own zombie transactions. */
  readonly workerId: string;
  readonly stageTimeoutMs: number;
  readonly retryMaxAttempts: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  readonly shutdownTimeoutMs: number;
  readonly sessionTimeoutMs: number;
}

export interface RunnerDeps {
  readonly kafka: Kafka;
  readonly codec: EventCodec;
  readonly topology: Topology;
  readonly metrics: StageMetrics;
  readonly log: Logger;
  readonly settings: RunnerSettings;
}

const HEARTBEAT_EVERY_MS = 3_000;

export class StageRunner<E> {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly log: Logger;
  private readonly shutdown = new AbortController();
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly stage: StageTopology,
    private readonly handler: StageHandler<E>,
    private readonly deps: RunnerDeps,
  ) {
    this.log = deps.log.child({ stage: stage.role });
    this.consumer = createConsumer(deps.kafka, stage.group, deps.settings.sessionTimeoutMs);
    this.producer = createTransactionalProducer(
      deps.kafka,
      `${deps.settings.clientId}.${stage.role}.${deps.settings.workerId}`,
    );
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.stage.inputTopic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachMessage: (payload) => this.onMessage(payload),
    });
    this.log.info({ topic: this.stage.inputTopic, group: this.stage.group }, 'stage started');
  }

  /** Ordered and safe to call twice: stop fetching, let the in-flight step finish (or abandon it), leave. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const abandon = setTimeout(() => this.shutdown.abort(), this.deps.settings.shutdownTimeoutMs);
      try {
        await this.consumer.disconnect();
      } catch (err) {
        this.log.warn({ err }, 'consumer disconnect failed');
      }
      clearTimeout(abandon);
      try {
        await this.producer.disconnect();
      } catch (err) {
        this.log.warn({ err }, 'producer disconnect failed');
      }
      this.log.info('stage stopped');
    })();
    return this.stopping;
  }

  private async onMessage({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    const started = process.hrtime.bigint();
    const role = this.stage.role;
    this.deps.metrics.inFlight(role, 1);
    const beat = setInterval(() => heartbeat().catch(() => {}), HEARTBEAT_EVERY_MS);
    const log = this.log.child({ partition, offset: message.offset });
    try {
      const decoded = await this.decode(topic, message.value, log);
      let outcome: StageOutcome;
      let label: 'ok' | 'failed' | 'dead_lettered' | 'skipped';
      if (decoded.ok) {
        outcome = await this.process(decoded.event, log);
        label = outcome.skipped ? 'skipped' : outcome.finished === 'failed' ? 'failed' : 'ok';
      } else {
        outcome = {
          messages: [
            this.deadLetter(topic, partition, message.offset, message.key, message.value, decoded.error),
          ],
        };
        label = 'dead_lettered';
        this.deps.metrics.deadLettered(role);
        log.warn({ code: decoded.error.code, err: decoded.error.message }, 'message dead-lettered');
      }
      await this.commit(outcome.messages, topic, partition, message.offset);
      if (outcome.finished) this.deps.metrics.jobFinished(outcome.finished);
      this.deps.metrics.observe(role, label, Number(process.hrtime.bigint() - started) / 1e9);
    } finally {
      clearInterval(beat);
      this.deps.metrics.inFlight(role, -1);
    }
  }

  private async decode(
    topic: string,
    value: Buffer | null,
    log: Logger,
  ): Promise<{ ok: true; event: E } | { ok: false; error: MediaStudioError }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return { ok: true, event: await this.deps.codec.decode<E>(topic, value) };
      } catch (err) {
        const e = toMediaStudioError(err, 'MS_EVENT_UNDECODABLE');
        if (!e.retriable) return { ok: false, error: e };
        this.throwIfShuttingDown();
        log.warn({ attempt, code: e.code }, 'decode failed, retrying');
        await sleep(this.delay(attempt), this.shutdown.signal);
      }
    }
  }

  /** Handles the event with bounded retries; a permanent failure (or exhausted retries) fails the job. */
  private async process(event: E, log: Logger): Promise<StageOutcome> {
    const { retryMaxAttempts } = this.deps.settings;
    for (let attempt = 1; ; attempt++) {
      const context: StageRunContext = { signal: this.shutdown.signal, attempt, log };
      try {
        return await this.withTimeout(this.handler.handle(event, context));
      } catch (err) {
        const e = toMediaStudioError(err, 'MS_PROCESSING_FAILED');
        this.throwIfShuttingDown();
        if (e.retriable && attempt < retryMaxAttempts) {
          // A source that says when to come back (Retry-After) is not called sooner, within our own cap.
          const asked = Math.min(e.retryAfterMs ?? 0, this.deps.settings.retryMaxMs);
          const wait = Math.max(this.delay(attempt), asked);
          log.warn({ attempt, code: e.code, err: e.message, retryInMs: wait }, 'stage failed, retrying');
          this.deps.metrics.observe(this.stage.role, 'retried', 0);
          await sleep(wait, this.shutdown.signal);
          continue;
        }
        log.warn({ attempt, code: e.code, err: e.message }, 'job failed');
        return this.handler.fail(event, e, context);
      }
    }
  }

  private async commit(
    messages: readonly OutgoingMessage[],
    topic: string,
    partition: number,
    offset: string,
  ): Promise<void> {
    // Encode before opening the transaction: a registry hiccup must not leave a transaction open.
    const encoded = await Promise.all(
      messages.map(async (m) => ({
        topic: m.topic,
        key: m.key,
        value: await this.deps.codec.encode(m.topic, m.value),
      })),
    );
    const headers = (m: OutgoingMessage) =>
      m.topic === this.deps.topology.dlq ? deadLetterHeaders(m.value as DeadLetterEvent) : undefined;
    const txn = await this.producer.transaction();
    try {
      for (const [i, m] of encoded.entries()) {
        const h = headers(messages[i]!);
        await txn.send({
          topic: m.topic,
          messages: [{ key: m.key, value: m.value, ...(h ? { headers: h } : {}) }],
        });
      }
      await txn.sendOffsets({
        consumerGroupId: this.stage.group,
        topics: [{ topic, partitions: [{ partition, offset: (BigInt(offset) + 1n).toString() }] }],
      });
      await txn.commit();
    } catch (err) {
      await txn.abort().catch(() => {});
      throw new MediaStudioError('MS_BROKER_UNAVAILABLE', `transaction failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  private deadLetter(
    topic: string,
    partition: number,
    offset: string,
    key: Buffer | null,
    value: Buffer | null,
    error: MediaStudioError,
  ): OutgoingMessage {
    const event: DeadLetterEvent = {
      topic,
      partition,
      offset,
      key,
      value,
      errorCode: error.code,
      errorMessage: error.message.slice(0, 2000),
      failedAt: Date.now(),
    };
    return {
      topic: this.deps.topology.dlq,
      key: key?.toString('utf8') ?? `${topic}:${partition}:${offset}`,
      value: event,
    };
  }

  private withTimeout<T>(work: Promise<T>): Promise<T> {
    const { stageTimeoutMs } = this.deps.settings;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new MediaStudioError(
              'MS_STAGE_TIMEOUT',
              `stage ${this.stage.role} took over ${stageTimeoutMs} ms`,
            ),
          ),
        stageTimeoutMs,
      );
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  private delay(attempt: number): number {
    const { retryInitialMs, retryMaxMs } = this.deps.settings;
    return backoffDelayMs(attempt, retryInitialMs, retryMaxMs);
  }

  /** On shutdown an interrupted step is abandoned uncommitted; another worker redoes it. */
  private throwIfShuttingDown(): void {
    if (this.shutdown.signal.aborted) {
      throw new MediaStudioError(
        'MS_BROKER_UNAVAILABLE',
        'shutting down: step abandoned, it will be redelivered',
      );
    }
  }
}

function deadLetterHeaders(e: DeadLetterEvent): Record<string, string> {
  return {
    'ms-error-code': e.errorCode,
    'ms-error-message': e.errorMessage.slice(0, 500),
    'ms-source-topic': e.topic,
    'ms-source-partition': String(e.partition),
    'ms-source-offset': e.offset,
  };
}
