ALTER TABLE "organizations" ADD COLUMN "invoice_email_subject" text;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "invoice_email_body" text;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "invoice_id" uuid;