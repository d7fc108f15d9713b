-- The back office: roles and disabled accounts, the generation of an
-- account's app access tokens (signing out everywhere starts a new one),
-- uploaded product images (content-addressed), and the audit log of what
-- admins do.

-- +goose Up
ALTER TABLE "users" ADD COLUMN "role" varchar(20) NOT NULL DEFAULT 'customer';
ALTER TABLE "users" ADD COLUMN "disabled_at" timestamptz;
ALTER TABLE "users" ADD COLUMN "token_epoch" bigint NOT NULL DEFAULT 0;

CREATE TABLE "images" (
    "hash" varchar(64),
    "content_type" varchar(40) NOT NULL,
    "size" bigint NOT NULL,
    "data" bytea NOT NULL,
    "created_at" timestamptz,
    PRIMARY KEY ("hash")
);

CREATE TABLE "audit_entries" (
    "id" bigserial,
    "actor_id" bigint NOT NULL,
    "actor_email" varchar(254) NOT NULL,
    "action" varchar(60) NOT NULL,
    "subject_type" varchar(40) NOT NULL,
    "subject_id" varchar(64) NOT NULL,
    "subject_name" varchar(200) NOT NULL DEFAULT '',
    "before" text NOT NULL DEFAULT '',
    "after" text NOT NULL DEFAULT '',
    "ip" varchar(64) NOT NULL,
    "created_at" timestamptz,
    PRIMARY KEY ("id")
);
CREATE INDEX "idx_audit_entries_created_at" ON "audit_entries" ("created_at");

CREATE INDEX "idx_orders_status" ON "orders" ("status");
