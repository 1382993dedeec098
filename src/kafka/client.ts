/**
 * The one module that knows the Kafka client library (kafkajs). Everything else asks it for a producer,
 * a consumer or an admin, so swapping the client (e.g. for @confluentinc/kafka-javascript, which keeps the
 * KafkaJS API) touches this file only.
 */
import { type Admin, type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Topology } from '../topology.js';

export type { Admin, Consumer, EachMessagePayload, KafkaMessage, Producer, Transaction } from 'kafkajs';

export interface KafkaOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger?: Logger;
}

export function createKafka({ brokers, clientId, logger }: KafkaOptions): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    // kafkajs logs through pino so one log stream shows everything.
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      const { message, ...extra } = entry.log;
      const level =
        entry.level === logLevel.ERROR ? 'error' : entry.level === logLevel.WARN ? 'warn' : 'debug';
      logger?.[level]({ kafka: entry.namespace, ...extra }, message);
    },
    retry: { initialRetryTime: 300, retries: 8 },
  });
}

/** An idempotent producer that can run transactions; the id must be stable across restarts to fence zombies. */
export function createTransactionalProducer(kafka: Kafka, transactionalId: string): Producer {
  return kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: 60_000,
  });
}

/** A plain idempotent producer (HTTP API, replay): each send is its own atomic write. */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
}

/** A consumer that reads only committed messages and never commits on its own. */
export function createConsumer(kafka: Kafka, groupId: string, sessionTimeoutMs = 45_000): Consumer {
  return kafka.consumer({
    groupId,
    readUncommitted: false,
    sessionTimeout: sessionTimeoutMs,
    rebalanceTimeout: sessionTimeoutMs + 15_000,
    heartbeatInterval: 3_000,
    allowAutoTopicCreation: false,
  });
}

/** Creates every topic of the topology that does not exist yet. */
export async function ensureTopics(admin: Admin, topology: Topology, partitions: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topology.topics.map((t) => t.topic).filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: -1 })),
  });
}
