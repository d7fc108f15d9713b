-- New accounts verify their email before their first order: when an
-- account's address was verified, the links that verify it, and an index
-- to count the links mailed to one address in the last hour.

-- +goose Up
ALTER TABLE "users" ADD COLUMN "email_verified_at" timestamptz;
-- Accounts made before addresses were verified count as verified.
UPDATE "users" SET "email_verified_at" = COALESCE("created_at", CURRENT_TIMESTAMP);

-- A link that verifies one address of one account: only the SHA-256 of its
-- token is kept; it works once, until expires_at, while the account still
-- has that address unverified.
CREATE TABLE "email_verifications" (
    "id" bigserial,
    "user_id" bigint NOT NULL,
    "email" varchar(254) NOT NULL,
    "token_hash" varchar(64) NOT NULL,
    "created_at" timestamptz NOT NULL,
    "expires_at" timestamptz NOT NULL,
    PRIMARY KEY ("id"),
    CONSTRAINT "fk_email_verifications_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "idx_email_verifications_token_hash" ON "email_verifications" ("token_hash");
CREATE INDEX "idx_email_verifications_user_id" ON "email_verifications" ("user_id");
CREATE INDEX "idx_email_verifications_expires_at" ON "email_verifications" ("expires_at");

CREATE INDEX "idx_outbox_recipient_created_at" ON "outbox" ("recipient", "created_at");
