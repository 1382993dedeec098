import { defineConfig } from 'vitest/config';

// Tests mirror src and are tiered by what they touch: `unit` needs nothing running (processors, config,
// pure logic); `integration` talks to the real Kafka, schema registry, Postgres and S3 found by
// test/setup/services.ts. Speed and memory figures live in bench/, never in timed tests.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/processors/**/*.test.ts', 'test/cli/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // One broker, one database: integration files run one after another.
          fileParallelism: false,
        },
      },
    ],
  },
});
