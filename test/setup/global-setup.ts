/**
 * Finds (or starts) the real services once for the integration project, migrates the test database and
 * hands the connection settings to the tests through `inject('services')`.
 */
import type { TestProject } from 'vitest/node';
import { connectDatabase, migrateDatabase } from '../../src/db/client.js';
import { containerRuntimeAnswers, startContainers } from './containers.js';
import { type Services, servicesFrom, servicesFromStack } from './services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    services: Services | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let stop = async () => {};
  let services = servicesFrom(process.env, 'env') ?? servicesFromStack();
  if (!services && (await containerRuntimeAnswers())) {
    const started = await startContainers();
    services = started.services;
    stop = started.stop;
  }
  if (!services) {
    const why =
      'no services: set KAFKA_BROKERS/SCHEMA_REGISTRY_URL/DATABASE_URL/S3_*, run `bash scripts/stack.sh up`, or start a container runtime';
    if (process.env.CI === 'true') throw new Error(`integration tests need real services (CI=true): ${why}`);
    console.warn(`integration tests skipped: ${why}`);
    project.provide('services', null);
    return stop;
  }
  const db = connectDatabase(services.databaseUrl, 1);
  try {
    await migrateDatabase(db.db);
  } finally {
    await db.close();
  }
  project.provide('services', services);
  return stop;
}
