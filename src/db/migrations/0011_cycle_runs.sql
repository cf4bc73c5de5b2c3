CREATE TABLE "cycle_run_items" (
	"organization_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"series_id" uuid NOT NULL,
	"outcome" text NOT NULL,
	"invoice_id" uuid,
	"message" text,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "cycle_run_items_organization_id_run_id_series_id_pk" PRIMARY KEY("organization_id","run_id","series_id")
);
--> statement-breakpoint
CREATE TABLE "cycle_runs" (
	"organization_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"period_start" date NOT NULL,
	"period_end" date NOT NULL,
	"billing_cycle" text NOT NULL,
	"status" text NOT NULL,
	"total" integer,
	"requested_by_type" text NOT NULL,
	"requested_by_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "cycle_runs_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
ALTER TABLE "cycle_run_items" ADD CONSTRAINT "cycle_run_items_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cycle_run_items" ADD CONSTRAINT "cycle_run_items_organization_id_run_id_cycle_runs_organization_id_id_fk" FOREIGN KEY ("organization_id","run_id") REFERENCES "public"."cycle_runs"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cycle_runs" ADD CONSTRAINT "cycle_runs_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "cycle_runs_one_active" ON "cycle_runs" USING btree ("organization_id") WHERE "cycle_runs"."status" <> 'finished';--> statement-breakpoint
CREATE INDEX "cycle_runs_created_idx" ON "cycle_runs" USING btree ("organization_id","created_at");