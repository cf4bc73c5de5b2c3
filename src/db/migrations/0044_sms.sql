CREATE TABLE "sms_connections" (
	"organization_id" uuid PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"status" text NOT NULL,
	"credentials" text NOT NULL,
	"sender" text NOT NULL,
	"api_base_url" text,
	"key_hint" text NOT NULL,
	"monthly_cap" integer DEFAULT 500 NOT NULL,
	"quiet_start" integer DEFAULT 21 NOT NULL,
	"quiet_end" integer DEFAULT 8 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sms_opt_outs" (
	"organization_id" uuid NOT NULL,
	"phone" text NOT NULL,
	"opted_out_at" timestamp with time zone NOT NULL,
	"reply" text NOT NULL,
	CONSTRAINT "sms_opt_outs_organization_id_phone_pk" PRIMARY KEY("organization_id","phone")
);
--> statement-breakpoint
ALTER TABLE "customer_messages" ADD COLUMN "provider_id" text;--> statement-breakpoint
ALTER TABLE "customer_messages" ADD COLUMN "delivery" text;--> statement-breakpoint
ALTER TABLE "sms_connections" ADD CONSTRAINT "sms_connections_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sms_opt_outs" ADD CONSTRAINT "sms_opt_outs_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customer_messages_provider_idx" ON "customer_messages" USING btree ("organization_id","provider_id");