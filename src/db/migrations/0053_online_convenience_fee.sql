ALTER TABLE "payment_checkouts" ADD COLUMN "fee_net" numeric(18, 4);--> statement-breakpoint
ALTER TABLE "payment_checkouts" ADD COLUMN "fee_tax" jsonb;--> statement-breakpoint
ALTER TABLE "payment_checkouts" ADD COLUMN "fee" numeric(18, 4);--> statement-breakpoint
ALTER TABLE "payment_checkouts" ADD COLUMN "fee_invoice_id" uuid;--> statement-breakpoint
ALTER TABLE "payment_checkouts" ADD COLUMN "fee_payment_id" uuid;--> statement-breakpoint
ALTER TABLE "payment_connections" ADD COLUMN "fee_percent" numeric(5, 2);--> statement-breakpoint
ALTER TABLE "payment_connections" ADD COLUMN "fee_tax_code_id" uuid;--> statement-breakpoint
ALTER TABLE "payment_connections" ADD CONSTRAINT "payment_connections_fee_check" CHECK (("payment_connections"."fee_percent" IS NULL) = ("payment_connections"."fee_tax_code_id" IS NULL));