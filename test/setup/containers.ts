/**
 * The same stack as docker-compose.yml, started with testcontainers for machines that have a container
 * runtime but no local stack. Only used when a runtime actually answers a ping.
 */
import type { Services } from './services.js';

export interface StartedContainers {
  readonly services: Services;
  stop(): Promise<void>;
}

export async function containerRuntimeAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await getContainerRuntimeClient();
    return Boolean(client.info);
  } catch {
    return false;
  }
}

export async function startContainers(): Promise<StartedContainers> {
  const { GenericContainer, Network, Wait } = await import('testcontainers');
  const network = await new Network().start();
  const kafka = await new GenericContainer('apache/kafka:4.4.0')
    .withNetwork(network)
    .withNetworkAliases('kafka')
    .withExposedPorts({ container: 19092, host: 19092 })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:19092,CONTROLLER://:19093',
      KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://127.0.0.1:19092',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:19093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  const registry = await new GenericContainer('apicurio/apicurio-registry:3.3.3')
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080))
    .start();
  const postgres = await new GenericContainer('postgres:15')
    .withExposedPorts(5432)
    .withEnvironment({
      POSTGRES_USER: 'media_studio',
      POSTGRES_PASSWORD: 'media_studio',
      POSTGRES_DB: 'media_studio_test',
    })
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  const s3 = await new GenericContainer('versity/versitygw:v1.8.0')
    .withExposedPorts(7070)
    .withEnvironment({ ROOT_ACCESS_KEY_ID: 'media-studio', ROOT_SECRET_ACCESS_KEY: 'media-studio-secret' })
    .withCommand(['--port', ':7070', '--region', 'us-east-1', 'posix', '/tmp'])
    .withWaitStrategy(Wait.forListeningPorts())
    .start();
  const host = (c: { getHost(): string }) => c.getHost();
  return {
    services: {
      source: 'testcontainers',
      kafkaBrokers: `${host(kafka)}:19092`,
      schemaRegistryUrl: `http://${host(registry)}:${registry.getMappedPort(8080)}/apis/ccompat/v7`,
      databaseUrl: `postgres://media_studio:media_studio@${host(postgres)}:${postgres.getMappedPort(5432)}/media_studio_test`,
      s3: {
        endpoint: `http://${host(s3)}:${s3.getMappedPort(7070)}`,
        region: 'us-east-1',
        accessKeyId: 'media-studio',
        secretAccessKey: 'media-studio-secret',
      },
    },
    stop: async () => {
      for (const c of [s3, postgres, registry, kafka]) await c.stop().catch(() => {});
      await network.stop().catch(() => {});
    },
  };
}
