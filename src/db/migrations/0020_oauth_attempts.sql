CREATE TABLE "oauth_attempts" (
	"organization_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"provider" text NOT NULL,
	"user_id" uuid NOT NULL,
	"session_token_hash" text NOT NULL,
	"state_hash" text NOT NULL,
	"secrets" text NOT NULL,
	"endpoints" jsonb NOT NULL,
	"connector_id" uuid,
	"status" text NOT NULL,
	"tenants" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"message" text,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "oauth_attempts_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
ALTER TABLE "oauth_attempts" ADD CONSTRAINT "oauth_attempts_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "oauth_attempts_state_key" ON "oauth_attempts" USING btree ("organization_id","state_hash");