/**
 * The `media-studio` command. It only parses arguments and calls into the app; see README for examples.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { createApp, VERSION } from '../app.js';
import { configMarkdown, loadConfig } from '../config.js';
import { connectDatabase, migrateDatabase } from '../db/client.js';
import { JobRepository } from '../db/job-repository.js';
import { createKafka } from '../kafka/client.js';
import { EventCodec } from '../kafka/event-codec.js';
import { createLogger } from '../logger.js';
import {
  imageFormats,
  type JobStatus,
  jobStatuses,
  type StageRole,
  stageRoles,
} from '../schemas/vocabulary.js';
import { createTopology } from '../topology.js';
import { runProcess } from './process-command.js';
import { resetGroupToTime, resubmitJobs } from './replay-command.js';

const collect = (value: string, previous: string[]) => [...previous, value];
const intIn = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
  return n;
};
const date = (v: string) => {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError('must be an ISO date-time');
  return d;
};

export function buildCli(): Command {
  const program = new Command('media-studio')
    .version(VERSION)
    .description('Product image processing over Kafka');

  program
    .command('process')
    .description('run operations on local files or URLs, in process, with no services (the embedded default)')
    .requiredOption('--out <dir>', 'output folder')
    .addOption(new Option('--format <format>', 'output format').choices(imageFormats).default('png'))
    .option('--quality <n>', 'jpeg/webp quality 1-100', intIn(1, 100), 90)
    .option('--sizes', 'also write thumbnail, medium and large variants', false)
    .option(
      '--op <name[=json]>',
      'an operation and its JSON params; repeat, applied in order',
      collect,
      [] as string[],
    )
    .option('--json', 'print one JSON report line per input', false)
    .argument('<inputs...>', 'image files or http(s) URLs')
    .action(
      async (
        inputs: string[],
        opts: {
          out: string;
          format: (typeof imageFormats)[number];
          quality: number;
          sizes: boolean;
          op: string[];
          json: boolean;
        },
      ) => {
        const config = loadConfig();
        const reports = await runProcess(
          {
            out: opts.out,
            format: opts.format,
            quality: opts.quality,
            sizes: opts.sizes,
            ops: opts.op,
            inputs,
          },
          config,
          (line) => process.stderr.write(`${line}\n`),
        );
        for (const r of reports) {
          if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
          else if (r.ok) process.stdout.write(`${r.input} -> ${r.outputs.join(', ')}\n`);
        }
        if (reports.some((r) => !r.ok)) process.exitCode = 1;
      },
    );

  program
    .command('worker')
    .description('run the stream processor: stages, HTTP API, metrics')
    .option(
      '--stages <roles>',
      `comma-separated stage roles (${stageRoles.join(', ')}); default all or WORKER_STAGES`,
    )
    .option('--migrate', 'apply database migrations first', false)
    .option('--no-http', 'do not serve HTTP')
    .option('--worker-id <id>', 'stable id of this worker (transactional ids); default the host name')
    .action(async (opts: { stages?: string; migrate: boolean; http: boolean; workerId?: string }) => {
      const config = loadConfig();
      const app = createApp(config, {
        migrate: opts.migrate,
        http: opts.http,
        ...(opts.workerId ? { workerId: opts.workerId } : {}),
        ...(opts.stages ? { stages: opts.stages.split(',').map((s) => s.trim()) as StageRole[] } : {}),
      });
      const shutdown = () => void app.stop().then(() => process.exit(0));
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      await app.start();
    });

  program
    .command('migrate')
    .description('apply the SQL migrations to DATABASE_URL')
    .action(async () => {
      const config = loadConfig();
      const db = connectDatabase(config.DATABASE_URL, 1);
      try {
        await migrateDatabase(db.db);
        process.stdout.write('migrations applied\n');
      } finally {
        await db.close();
      }
    });

  program
    .command('replay')
    .description('reprocess: move a consumer group back in time, or re-submit recorded requests')
    .option('--to-datetime <iso>', 'reset the group of --group to the offsets at this time', date)
    .addOption(
      new Option('--group <role>', 'stage whose group is reset').choices(stageRoles).default('ingest'),
    )
    .option('--from-jobs', 're-submit requests recorded in the jobs table', false)
    .option('--since <iso>', 'with --from-jobs: jobs created since', date)
    .addOption(
      new Option('--status <status>', 'with --from-jobs: only jobs with this status').choices(jobStatuses),
    )
    .option('--store <id>', 'with --from-jobs: only this store')
    .option('--limit <n>', 'with --from-jobs: at most this many', intIn(1, 10_000_000))
    .action(
      async (opts: {
        toDatetime?: Date;
        group: StageRole;
        fromJobs: boolean;
        since?: Date;
        status?: JobStatus;
        store?: string;
        limit?: number;
      }) => {
        if (!opts.toDatetime === !opts.fromJobs)
          throw new InvalidArgumentError('give exactly one of --to-datetime or --from-jobs');
        const config = loadConfig();
        const log = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
        const topology = createTopology(config.KAFKA_TOPIC_PREFIX);
        const kafka = createKafka({
          brokers: config.KAFKA_BROKERS,
          clientId: `${config.KAFKA_CLIENT_ID}-replay`,
          logger: log,
        });
        const db = connectDatabase(config.DATABASE_URL, 2);
        const deps = {
          kafka,
          topology,
          codec: EventCodec.connect(config.SCHEMA_REGISTRY_URL, topology),
          jobs: new JobRepository(db.db),
          progress: process.stderr.isTTY === true,
        };
        try {
          if (opts.toDatetime) {
            const n = await resetGroupToTime(deps, opts.group, opts.toDatetime);
            process.stdout.write(
              `group ${topology.stage(opts.group).group}: ${n} partitions reset to ${opts.toDatetime.toISOString()}\n`,
            );
          } else {
            const n = await resubmitJobs(deps, {
              ...(opts.since ? { since: opts.since } : {}),
              ...(opts.status ? { status: opts.status } : {}),
              ...(opts.store ? { storeId: opts.store } : {}),
              ...(opts.limit ? { limit: opts.limit } : {}),
            });
            process.stdout.write(`${n} requests re-submitted\n`);
          }
        } finally {
          await db.close();
        }
      },
    );

  program
    .command('config')
    .description('check the environment, or print the table of variables')
    .option('--markdown', 'print the README table of variables', false)
    .action((opts: { markdown: boolean }) => {
      if (opts.markdown) process.stdout.write(`${configMarkdown()}\n`);
      else {
        loadConfig();
        process.stdout.write('configuration is valid\n');
      }
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  await buildCli().parseAsync([...argv]);
}
