CREATE TABLE "invoice_reminders" (
	"organization_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"invoice_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"step_days" integer,
	"tone" text NOT NULL,
	"due_on" date NOT NULL,
	"status" text NOT NULL,
	"stopped_because" text,
	"recipients" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"subject" text,
	"requested_by_id" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "invoice_reminders_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
CREATE TABLE "reminder_schedules" (
	"organization_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"steps" jsonb NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "reminder_schedules_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "reminders_enabled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "reminder_hour" integer DEFAULT 9 NOT NULL;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "reminder_schedule_id" uuid;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "reminders_excluded" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "reminders_paused_until" date;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "reminders_pause_reason" text;--> statement-breakpoint
ALTER TABLE "invoice_reminders" ADD CONSTRAINT "invoice_reminders_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_reminders" ADD CONSTRAINT "invoice_reminders_organization_id_invoice_id_invoices_organization_id_id_fk" FOREIGN KEY ("organization_id","invoice_id") REFERENCES "public"."invoices"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_reminders" ADD CONSTRAINT "invoice_reminders_organization_id_customer_id_customers_organization_id_id_fk" FOREIGN KEY ("organization_id","customer_id") REFERENCES "public"."customers"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_schedules" ADD CONSTRAINT "reminder_schedules_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "invoice_reminders_step_key" ON "invoice_reminders" USING btree ("organization_id","invoice_id","step_days") WHERE "invoice_reminders"."step_days" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "invoice_reminders_invoice_idx" ON "invoice_reminders" USING btree ("organization_id","invoice_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "reminder_schedules_default_key" ON "reminder_schedules" USING btree ("organization_id") WHERE "reminder_schedules"."is_default";--> statement-breakpoint
CREATE UNIQUE INDEX "reminder_schedules_name_key" ON "reminder_schedules" USING btree ("organization_id","name");--> statement-breakpoint
INSERT INTO "reminder_schedules" ("organization_id", "id", "name", "steps", "is_default", "created_at", "updated_at")
SELECT "id", gen_random_uuid(), 'Standard',
  '[{"days":-3,"tone":"friendly","subject":null,"body":null},{"days":7,"tone":"firm","subject":null,"body":null},{"days":21,"tone":"final","subject":null,"body":null},{"days":45,"tone":"collections","subject":null,"body":null}]'::jsonb,
  true, now(), now()
FROM "organizations";
