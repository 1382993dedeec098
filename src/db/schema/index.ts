export * from './job-outputs.js';
export * from './job-steps.js';
export * from './jobs.js';
