ALTER TABLE "payment_refunds" ALTER COLUMN "credit_note_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "payment_refunds" ALTER COLUMN "payment_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "payment_checkouts" ADD COLUMN "payment_ref" text;--> statement-breakpoint
ALTER TABLE "payment_checkouts" ADD COLUMN "paid_amount" numeric(18, 4);--> statement-breakpoint
ALTER TABLE "payment_refunds" ADD COLUMN "checkout_id" uuid;--> statement-breakpoint
ALTER TABLE "payment_refunds" ADD CONSTRAINT "payment_refunds_organization_id_checkout_id_payment_checkouts_organization_id_id_fk" FOREIGN KEY ("organization_id","checkout_id") REFERENCES "public"."payment_checkouts"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "payment_refunds_checkout_idx" ON "payment_refunds" USING btree ("organization_id","checkout_id");--> statement-breakpoint
ALTER TABLE "payment_refunds" ADD CONSTRAINT "payment_refunds_against" CHECK (("payment_refunds"."credit_note_id" IS NOT NULL AND "payment_refunds"."payment_id" IS NOT NULL) OR "payment_refunds"."checkout_id" IS NOT NULL);--> statement-breakpoint
-- Money that arrived but did not fit its document was a "failed" checkout whose lane entry named the payment:
-- it becomes unplaced, with the payment's reference read back from that entry (a checkout's amount is fixed).
UPDATE "payment_checkouts" c
   SET "status" = 'unplaced', "payment_ref" = substr(e."subject", 16), "paid_amount" = c."amount"
  FROM "integration_errors" e
 WHERE e."organization_id" = c."organization_id" AND e."kind" = 'online_payment'
   AND e."subject" LIKE 'online-payment:%' AND e."invoice_id" = c."invoice_id"
   AND e."message" = c."failure" AND c."status" = 'failed';
--> statement-breakpoint
-- Their open lane entries name the checkout, so the office can refund or apply the money from them.
UPDATE "integration_errors" e
   SET "detail" = COALESCE(e."detail", '{}'::jsonb) || jsonb_build_object('unplacedCheckoutId', c."id")
  FROM "payment_checkouts" c
 WHERE c."organization_id" = e."organization_id" AND e."kind" = 'online_payment' AND e."status" = 'open'
   AND e."subject" = 'online-payment:' || c."payment_ref" AND c."status" = 'unplaced';
