CREATE TABLE "payment_payouts" (
	"organization_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"provider_payout_id" text NOT NULL,
	"amount" numeric(18, 4) NOT NULL,
	"gross" numeric(18, 4) NOT NULL,
	"fees" numeric(18, 4) NOT NULL,
	"currency" text NOT NULL,
	"arrival_date" date NOT NULL,
	"items" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "payment_payouts_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
ALTER TABLE "bank_entries" ADD COLUMN "payout_id" uuid;--> statement-breakpoint
ALTER TABLE "payment_payouts" ADD CONSTRAINT "payment_payouts_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "payment_payouts_provider_key" ON "payment_payouts" USING btree ("organization_id","connection_id","provider_payout_id");--> statement-breakpoint
CREATE INDEX "payment_payouts_arrival_idx" ON "payment_payouts" USING btree ("organization_id","currency","arrival_date");--> statement-breakpoint
CREATE UNIQUE INDEX "bank_entries_payout_key" ON "bank_entries" USING btree ("organization_id","payout_id") WHERE "bank_entries"."payout_id" IS NOT NULL;