CREATE TABLE "change_orders" (
	"organization_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"job_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"status" text NOT NULL,
	"reason" text NOT NULL,
	"lines" jsonb NOT NULL,
	"currency" text NOT NULL,
	"before_total" numeric(18, 4) NOT NULL,
	"after_total" numeric(18, 4) NOT NULL,
	"created_by" uuid,
	"approval" jsonb,
	"decline_reason" text,
	"link_hash" text,
	"link_sealed" text,
	"link_expires_at" timestamp with time zone,
	"sent_to" text,
	"sent_at" timestamp with time zone,
	"viewed_at" timestamp with time zone,
	"answered_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "change_orders_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
ALTER TABLE "change_orders" ADD CONSTRAINT "change_orders_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "change_orders" ADD CONSTRAINT "change_orders_organization_id_job_id_jobs_organization_id_id_fk" FOREIGN KEY ("organization_id","job_id") REFERENCES "public"."jobs"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "change_orders_job_seq_key" ON "change_orders" USING btree ("organization_id","job_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "change_orders_link_key" ON "change_orders" USING btree ("link_hash");