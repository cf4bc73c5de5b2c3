CREATE TABLE "approval_requests" (
	"organization_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"job_id" uuid NOT NULL,
	"submission_id" uuid NOT NULL,
	"rules" jsonb NOT NULL,
	"approver_role" text NOT NULL,
	"status" text NOT NULL,
	"requested_by_type" text NOT NULL,
	"requested_by_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"escalated_at" timestamp with time zone,
	"decided_by_id" text,
	"decided_at" timestamp with time zone,
	"comment" text,
	CONSTRAINT "approval_requests_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_organization_id_job_id_jobs_organization_id_id_fk" FOREIGN KEY ("organization_id","job_id") REFERENCES "public"."jobs"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "approval_requests_status_idx" ON "approval_requests" USING btree ("organization_id","status","due_at");--> statement-breakpoint
CREATE INDEX "approval_requests_job_idx" ON "approval_requests" USING btree ("organization_id","job_id");