-- Mail waits in the outbox until it is delivered, and password resets wait
-- for their link to be used.

-- +goose Up
-- One row per email, queued in the same transaction as what caused it. A
-- sender claims due rows (claim, claimed_until), sends them, and sets
-- sent_at (clearing secret) or, after a failure, next_attempt_at.
CREATE TABLE "outbox" (
    "id" bigserial,
    "kind" varchar(40) NOT NULL,
    "recipient" varchar(254) NOT NULL,
    "data" text NOT NULL,
    "secret" varchar(100) NOT NULL DEFAULT '',
    "attempts" bigint NOT NULL DEFAULT 0,
    "next_attempt_at" timestamptz NOT NULL,
    "claim" varchar(64),
    "claimed_until" timestamptz,
    "sent_at" timestamptz,
    "last_error" varchar(500) NOT NULL DEFAULT '',
    "created_at" timestamptz NOT NULL,
    PRIMARY KEY ("id")
);
CREATE INDEX "idx_outbox_next_attempt_at" ON "outbox" ("next_attempt_at");
CREATE INDEX "idx_outbox_created_at" ON "outbox" ("created_at");

-- A request for a password reset link: pending (token_hash NULL) until a
-- background step looks up the account, then a link good until expires_at.
CREATE TABLE "password_resets" (
    "id" bigserial,
    "email" varchar(254) NOT NULL,
    "user_id" bigint,
    "token_hash" varchar(64),
    "created_at" timestamptz NOT NULL,
    "expires_at" timestamptz NOT NULL,
    PRIMARY KEY ("id")
);
CREATE INDEX "idx_password_resets_email" ON "password_resets" ("email");
CREATE INDEX "idx_password_resets_user_id" ON "password_resets" ("user_id");
CREATE UNIQUE INDEX "idx_password_resets_token_hash" ON "password_resets" ("token_hash");
CREATE INDEX "idx_password_resets_expires_at" ON "password_resets" ("expires_at");
