CREATE TABLE "exchange_rates" (
	"organization_id" uuid NOT NULL,
	"currency" text NOT NULL,
	"valid_from" date NOT NULL,
	"rate" numeric(20, 10) NOT NULL,
	"source" text,
	"recorded_by_type" text NOT NULL,
	"recorded_by_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "exchange_rates_organization_id_currency_valid_from_pk" PRIMARY KEY("organization_id","currency","valid_from")
);
--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "exchange_rate" numeric(20, 10) DEFAULT '1' NOT NULL;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "invoice_currency" text;--> statement-breakpoint
ALTER TABLE "exchange_rates" ADD CONSTRAINT "exchange_rates_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;