-- Mail waits in the outbox until it is delivered, and password resets wait
-- for their link to be used.

-- +goose Up
-- One row per email, queued in the same transaction as what caused it. A
-- sender claims due rows (claim, claimed_until), sends them, and sets
-- sent_at (clearing secret) or, after a failure, next_attempt_at.
CREATE TABLE `outbox` (`id` integer PRIMARY KEY AUTOINCREMENT,`kind` text NOT NULL,`recipient` text NOT NULL,`data` text NOT NULL,`secret` text NOT NULL DEFAULT '',`attempts` integer NOT NULL DEFAULT 0,`next_attempt_at` datetime NOT NULL,`claim` text,`claimed_until` datetime,`sent_at` datetime,`last_error` text NOT NULL DEFAULT '',`created_at` datetime NOT NULL);
CREATE INDEX `idx_outbox_next_attempt_at` ON `outbox`(`next_attempt_at`);
CREATE INDEX `idx_outbox_created_at` ON `outbox`(`created_at`);

-- A request for a password reset link: pending (token_hash NULL) until a
-- background step looks up the account, then a link good until expires_at.
CREATE TABLE `password_resets` (`id` integer PRIMARY KEY AUTOINCREMENT,`email` text NOT NULL,`user_id` integer,`token_hash` text,`created_at` datetime NOT NULL,`expires_at` datetime NOT NULL);
CREATE INDEX `idx_password_resets_email` ON `password_resets`(`email`);
CREATE INDEX `idx_password_resets_user_id` ON `password_resets`(`user_id`);
CREATE UNIQUE INDEX `idx_password_resets_token_hash` ON `password_resets`(`token_hash`);
CREATE INDEX `idx_password_resets_expires_at` ON `password_resets`(`expires_at`);
