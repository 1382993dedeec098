/**
 * Proves the chosen client (kafkajs) against the real Kafka 4 broker and schema registry: registry-encoded
 * events round-trip, and transactions commit produced events together with consumer offsets, while an
 * aborted transaction's events stay invisible to a read-committed consumer.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Consumer,
  createConsumer,
  createKafka,
  createProducer,
  createTransactionalProducer,
  ensureTopics,
} from '../../src/kafka/client.js';
import { EventCodec } from '../../src/kafka/event-codec.js';
import type { RequestedEvent } from '../../src/schemas/events.js';
import { createTopology } from '../../src/topology.js';
import { services, testConfig } from '../helpers/services.js';

const s = services();

describe.skipIf(!s)('kafka on the real broker and registry', () => {
  const config = testConfig(s!);
  const topology = createTopology(config.KAFKA_TOPIC_PREFIX);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'kafka-test' });
  const codec = EventCodec.connect(config.SCHEMA_REGISTRY_URL, topology);
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, topology, 1);
    await admin.disconnect();
    await codec.registerAll();
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect()));
  });

  const request = (requestId: string): RequestedEvent => ({
    requestId,
    storeId: 'store-1',
    productId: 'product-1',
    imageUrl: 'https://example.com/a.jpg',
    operations: [{ type: 'resize', params: '{"width":800}' }],
    output: { format: 'webp', quality: 80, generateSizes: true },
    requestedAt: 1_700_000_000_000,
  });

  /** Reads `count` values of `topic` from the beginning with a fresh read-committed group. */
  async function readValues(topic: string, count: number, timeoutMs = 20_000): Promise<Buffer[]> {
    const consumer = createConsumer(kafka, `reader-${randomUUID()}`);
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => resolve(), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            values.push(message.value!);
            if (values.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await consumer.stop();
    return values;
  }

  it('round-trips a registry-encoded event through the broker', async () => {
    const producer = createProducer(kafka);
    await producer.connect();
    const sent = request(randomUUID());
    const value = await codec.encode(topology.requested, sent);
    expect(value[0]).toBe(0); // Confluent wire format: magic byte, then the schema id.
    await producer.send({ topic: topology.requested, messages: [{ key: 'store-1:product-1', value }] });
    await producer.disconnect();

    const [received] = await readValues(topology.requested, 1);
    expect(received).toBeDefined();
    expect(await codec.decode<RequestedEvent>(topology.requested, received!)).toEqual(sent);
  });

  it('registers each topic schema under <topic>-value', async () => {
    const res = await fetch(`${config.SCHEMA_REGISTRY_URL}/subjects`);
    const subjects = (await res.json()) as string[];
    for (const { topic } of topology.topics) expect(subjects).toContain(`${topic}-value`);
  });

  it('rejects bytes that are not an event of the topic', async () => {
    await expect(codec.decode(topology.requested, Buffer.from('not avro at all'))).rejects.toMatchObject({
      code: 'MS_EVENT_UNDECODABLE',
    });
  });

  it('commits produced events with consumer offsets in one transaction, and hides aborted ones', async () => {
    const input = topology.stageTopic('resize');
    const output = topology.stageTopic('crop');
    const group = `txn-${randomUUID()}`;

    // Two input messages to consume transactionally.
    const plain = createProducer(kafka);
    await plain.connect();
    await plain.send({
      topic: input,
      messages: [
        { key: 'k', value: Buffer.from('in-1') },
        { key: 'k', value: Buffer.from('in-2') },
      ],
    });
    await plain.disconnect();

    const producer = createTransactionalProducer(kafka, `txn-test-${randomUUID()}`);
    await producer.connect();
    const consumer = createConsumer(kafka, group);
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: input, fromBeginning: true });
    let handled = 0;
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ topic, partition, message }) => {
            const txn = await producer.transaction();
            const text = message.value!.toString();
            await txn.send({ topic: output, messages: [{ key: 'k', value: Buffer.from(`out-${text}`) }] });
            await txn.sendOffsets({
              consumerGroupId: group,
              topics: [
                { topic, partitions: [{ partition, offset: (BigInt(message.offset) + 1n).toString() }] },
              ],
            });
            // The first is aborted: neither its output nor its offset may count.
            if (text === 'in-1' && handled === 0) await txn.abort();
            else await txn.commit();
            handled++;
            if (text === 'in-2') resolve();
          },
        })
        .catch(reject);
    });
    await consumer.stop();
    await producer.disconnect();

    const outputs = (await readValues(output, 1, 8_000)).map((b) => b.toString());
    expect(outputs).toEqual(['out-in-2']);

    // The committed offset is after in-2: the group resumes past both messages.
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchOffsets({ groupId: group, topics: [input] });
    await admin.disconnect();
    const committed = offsets[0]!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    expect(committed).toBe(2);
  });
});
