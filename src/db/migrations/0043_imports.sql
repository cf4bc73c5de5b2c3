CREATE TABLE "import_batches" (
	"organization_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"kind" text NOT NULL,
	"file_name" text NOT NULL,
	"format" text NOT NULL,
	"encoding" text NOT NULL,
	"sha256" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"storage_key" text NOT NULL,
	"columns" jsonb NOT NULL,
	"sample" jsonb NOT NULL,
	"preset" text,
	"mapping" jsonb NOT NULL,
	"status" text NOT NULL,
	"total_rows" integer,
	"done_rows" integer DEFAULT 0 NOT NULL,
	"summary" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"failure" text,
	"created_by" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"checked_at" timestamp with time zone,
	"imported_at" timestamp with time zone,
	"undone_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "import_batches_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
CREATE TABLE "import_rows" (
	"organization_id" uuid NOT NULL,
	"batch_id" uuid NOT NULL,
	"line" integer NOT NULL,
	"kind" text NOT NULL,
	"key" text,
	"label" text NOT NULL,
	"action" text NOT NULL,
	"problems" jsonb NOT NULL,
	"value" jsonb,
	"match_id" uuid,
	"match_label" text,
	"done" boolean DEFAULT false NOT NULL,
	"record_id" uuid,
	"before" jsonb,
	CONSTRAINT "import_rows_organization_id_batch_id_line_pk" PRIMARY KEY("organization_id","batch_id","line")
);
--> statement-breakpoint
ALTER TABLE "import_batches" ADD CONSTRAINT "import_batches_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_rows" ADD CONSTRAINT "import_rows_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_rows" ADD CONSTRAINT "import_rows_organization_id_batch_id_import_batches_organization_id_id_fk" FOREIGN KEY ("organization_id","batch_id") REFERENCES "public"."import_batches"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "import_batches_created_idx" ON "import_batches" USING btree ("organization_id","created_at");--> statement-breakpoint
CREATE INDEX "import_rows_key_idx" ON "import_rows" USING btree ("organization_id","kind","key");--> statement-breakpoint
CREATE INDEX "import_rows_todo_idx" ON "import_rows" USING btree ("organization_id","batch_id","done","line");