/**
 * Closed vocabularies shared by the Avro schemas, the drizzle enums, the zod params and the HTTP API,
 * so a status or format is spelled in exactly one place. Job words follow BullMQ's.
 */

export const operationNames = [
  'remove_background',
  'remove_watermark',
  'enhance',
  'resize',
  'crop',
  'replace_background',
  'generate_background',
] as const;
export type OperationName = (typeof operationNames)[number];

/** Stage roles besides the operations: the first and the last stage of every job. */
export const stageRoles = ['ingest', ...operationNames, 'finalize'] as const;
export type StageRole = (typeof stageRoles)[number];

export const jobStatuses = ['pending', 'processing', 'completed', 'failed'] as const;
export type JobStatus = (typeof jobStatuses)[number];

export const stepStatuses = ['processing', 'completed', 'failed'] as const;
export type StepStatus = (typeof stepStatuses)[number];

export const imageFormats = ['jpeg', 'png', 'webp'] as const;
export type ImageFormat = (typeof imageFormats)[number];

/** Finalize's size variants: longest side in pixels, fit inside, never enlarged. */
export const sizeVariants = { thumbnail: 200, medium: 800, large: 1600 } as const;
export type SizeVariantName = keyof typeof sizeVariants;
/** The full-size output is the variant called `original`. */
export const variantNames = ['original', ...(Object.keys(sizeVariants) as SizeVariantName[])] as const;
export type VariantName = (typeof variantNames)[number];

export const processedStatuses = ['completed', 'failed'] as const;
