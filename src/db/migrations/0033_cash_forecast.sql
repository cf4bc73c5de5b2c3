CREATE TABLE "cash_forecast_weeks" (
	"organization_id" uuid NOT NULL,
	"made_on" date NOT NULL,
	"week_start" date NOT NULL,
	"expected" numeric(18, 4) NOT NULL,
	"low" numeric(18, 4) NOT NULL,
	"high" numeric(18, 4) NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "cash_forecast_weeks_organization_id_made_on_week_start_pk" PRIMARY KEY("organization_id","made_on","week_start")
);
--> statement-breakpoint
ALTER TABLE "cash_forecast_weeks" ADD CONSTRAINT "cash_forecast_weeks_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;