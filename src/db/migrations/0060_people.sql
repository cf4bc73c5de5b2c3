CREATE TABLE "people" (
	"id" uuid PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"password_hash" text NOT NULL,
	"password_changed_at" timestamp with time zone,
	"totp_secret" text,
	"totp_pending_secret" text,
	"totp_enabled_at" timestamp with time zone,
	"totp_last_step" bigint,
	"last_organization_id" uuid,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "password_resets" ADD COLUMN "person_id" uuid;--> statement-breakpoint
ALTER TABLE "recovery_codes" ADD COLUMN "person_id" uuid;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "person_id" uuid;--> statement-breakpoint
CREATE UNIQUE INDEX "people_email_key" ON "people" USING btree (lower("email"));--> statement-breakpoint
ALTER TABLE "password_resets" ADD CONSTRAINT "password_resets_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recovery_codes" ADD CONSTRAINT "recovery_codes_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Every existing account becomes a person with the same id, so the columns that pointed at the account point at the person.
INSERT INTO "people" ("id", "email", "password_hash", "password_changed_at", "totp_secret", "totp_pending_secret", "totp_enabled_at", "totp_last_step", "last_organization_id", "created_at")
  SELECT "id", lower("email"), "password_hash", "password_changed_at", "totp_secret", "totp_pending_secret", "totp_enabled_at", "totp_last_step", "organization_id", "created_at" FROM "users";--> statement-breakpoint
UPDATE "users" SET "person_id" = "id";--> statement-breakpoint
UPDATE "recovery_codes" SET "person_id" = "user_id";--> statement-breakpoint
UPDATE "password_resets" SET "person_id" = "user_id" WHERE "user_id" IS NOT NULL;
