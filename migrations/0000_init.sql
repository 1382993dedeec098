CREATE TYPE "public"."step_status" AS ENUM('processing', 'completed', 'failed');--> statement-breakpoint
CREATE TYPE "public"."job_status" AS ENUM('pending', 'processing', 'completed', 'failed');--> statement-breakpoint
CREATE TABLE "job_outputs" (
	"job_id" text NOT NULL,
	"variant" text NOT NULL,
	"key" text NOT NULL,
	"url" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"bytes" bigint NOT NULL,
	"format" text NOT NULL,
	"checksum" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "job_outputs_job_id_variant_pk" PRIMARY KEY("job_id","variant")
);
--> statement-breakpoint
CREATE TABLE "job_steps" (
	"job_id" text NOT NULL,
	"step" integer NOT NULL,
	"operation" text NOT NULL,
	"params" jsonb NOT NULL,
	"status" "step_status" NOT NULL,
	"input_key" text NOT NULL,
	"output_key" text,
	"duration_ms" integer,
	"metadata" jsonb,
	"attempts_made" integer DEFAULT 1 NOT NULL,
	"error_code" text,
	"failed_reason" text,
	"processed_on" timestamp with time zone,
	"finished_on" timestamp with time zone,
	CONSTRAINT "job_steps_job_id_step_pk" PRIMARY KEY("job_id","step")
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"store_id" text NOT NULL,
	"product_id" text NOT NULL,
	"source_url" text NOT NULL,
	"plan" jsonb NOT NULL,
	"output" jsonb NOT NULL,
	"pipeline_version" text NOT NULL,
	"status" "job_status" DEFAULT 'pending' NOT NULL,
	"current_step" integer DEFAULT 0 NOT NULL,
	"progress" integer DEFAULT 0 NOT NULL,
	"attempts_made" integer DEFAULT 0 NOT NULL,
	"error_code" text,
	"failed_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_on" timestamp with time zone,
	"finished_on" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "job_outputs" ADD CONSTRAINT "job_outputs_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_steps" ADD CONSTRAINT "job_steps_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_request_version_uq" ON "jobs" USING btree ("request_id","pipeline_version");--> statement-breakpoint
CREATE INDEX "jobs_store_product_idx" ON "jobs" USING btree ("store_id","product_id");--> statement-breakpoint
CREATE INDEX "jobs_status_idx" ON "jobs" USING btree ("status");