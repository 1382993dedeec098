/** Reads `product.images.processed` (read-committed) and lets a test wait for a job's outcome. */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { type Consumer, createConsumer } from '../../src/kafka/client.js';
import type { EventCodec } from '../../src/kafka/event-codec.js';
import type { ProcessedEvent } from '../../src/schemas/events.js';

export interface Collector<T> {
  readonly events: T[];
  waitFor(predicate: (e: T) => boolean, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

export async function collectTopic<T>(
  kafka: Kafka,
  topic: string,
  decode: (value: Buffer, headers: Record<string, string>) => Promise<T>,
): Promise<Collector<T>> {
  const consumer: Consumer = createConsumer(kafka, `collector-${randomUUID()}`);
  const events: T[] = [];
  const waiters: { predicate: (e: T) => boolean; resolve: (e: T) => void }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers = Object.fromEntries(
        Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
      );
      const event = await decode(message.value!, headers);
      events.push(event);
      for (const w of [...waiters]) {
        if (w.predicate(event)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(event);
        }
      }
    },
  });
  return {
    events,
    waitFor: (predicate, timeoutMs = 60_000) => {
      const found = events.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching event on ${topic} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          predicate,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
    stop: () => consumer.disconnect(),
  };
}

export function collectProcessed(
  kafka: Kafka,
  topic: string,
  codec: EventCodec,
): Promise<Collector<ProcessedEvent>> {
  return collectTopic(kafka, topic, (value) => codec.decode<ProcessedEvent>(topic, value));
}
