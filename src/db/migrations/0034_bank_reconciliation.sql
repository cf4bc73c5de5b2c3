CREATE TABLE "bank_applications" (
	"organization_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"entry_id" uuid NOT NULL,
	"invoice_id" uuid NOT NULL,
	"payment_id" uuid NOT NULL,
	"amount" numeric(18, 4) NOT NULL,
	"basis" text NOT NULL,
	"applied_by_type" text NOT NULL,
	"applied_by_id" text,
	"applied_at" timestamp with time zone NOT NULL,
	"undone_at" timestamp with time zone,
	"undone_by_id" text,
	CONSTRAINT "bank_applications_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
CREATE TABLE "bank_csv_mappings" (
	"organization_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"mapping" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "bank_csv_mappings_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
CREATE TABLE "bank_entries" (
	"organization_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"statement_id" uuid NOT NULL,
	"account" text NOT NULL,
	"ref" text NOT NULL,
	"booked_on" date NOT NULL,
	"amount" numeric(18, 4) NOT NULL,
	"currency" text NOT NULL,
	"counterparty_name" text,
	"counterparty_iban" text,
	"remittance" text DEFAULT '' NOT NULL,
	"structured_ref" text,
	"end_to_end_id" text,
	"charges" numeric(18, 4),
	"status" text NOT NULL,
	"customer_id" uuid,
	"applied" numeric(18, 4) DEFAULT '0' NOT NULL,
	"suggestions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"ignored_because" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "bank_entries_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
CREATE TABLE "bank_statements" (
	"organization_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"format" text NOT NULL,
	"reference" text NOT NULL,
	"account" text NOT NULL,
	"currency" text,
	"from_date" date,
	"to_date" date,
	"opening" numeric(18, 4),
	"closing" numeric(18, 4),
	"file_name" text NOT NULL,
	"entry_count" integer NOT NULL,
	"duplicate_count" integer DEFAULT 0 NOT NULL,
	"imported_by_id" uuid,
	"imported_at" timestamp with time zone NOT NULL,
	CONSTRAINT "bank_statements_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
ALTER TABLE "bank_applications" ADD CONSTRAINT "bank_applications_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_applications" ADD CONSTRAINT "bank_applications_organization_id_entry_id_bank_entries_organization_id_id_fk" FOREIGN KEY ("organization_id","entry_id") REFERENCES "public"."bank_entries"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_applications" ADD CONSTRAINT "bank_applications_organization_id_invoice_id_invoices_organization_id_id_fk" FOREIGN KEY ("organization_id","invoice_id") REFERENCES "public"."invoices"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_csv_mappings" ADD CONSTRAINT "bank_csv_mappings_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_entries" ADD CONSTRAINT "bank_entries_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_entries" ADD CONSTRAINT "bank_entries_organization_id_statement_id_bank_statements_organization_id_id_fk" FOREIGN KEY ("organization_id","statement_id") REFERENCES "public"."bank_statements"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_statements" ADD CONSTRAINT "bank_statements_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bank_applications_entry_idx" ON "bank_applications" USING btree ("organization_id","entry_id");--> statement-breakpoint
CREATE UNIQUE INDEX "bank_csv_mappings_name_key" ON "bank_csv_mappings" USING btree ("organization_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "bank_entries_ref_key" ON "bank_entries" USING btree ("organization_id","account","ref");--> statement-breakpoint
CREATE INDEX "bank_entries_status_idx" ON "bank_entries" USING btree ("organization_id","status","booked_on");--> statement-breakpoint
CREATE INDEX "bank_entries_payer_idx" ON "bank_entries" USING btree ("organization_id","counterparty_iban") WHERE "bank_entries"."customer_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "bank_statements_reference_key" ON "bank_statements" USING btree ("organization_id","account","reference");