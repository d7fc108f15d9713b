-- The back office: roles and disabled accounts, the generation of an
-- account's app access tokens (signing out everywhere starts a new one),
-- uploaded product images (content-addressed), and the audit log of what
-- admins do.

-- +goose Up
ALTER TABLE `users` ADD COLUMN `role` text NOT NULL DEFAULT 'customer';
ALTER TABLE `users` ADD COLUMN `disabled_at` datetime;
ALTER TABLE `users` ADD COLUMN `token_epoch` integer NOT NULL DEFAULT 0;

CREATE TABLE `images` (`hash` text,`content_type` text NOT NULL,`size` integer NOT NULL,`data` blob NOT NULL,`created_at` datetime,PRIMARY KEY (`hash`));

CREATE TABLE `audit_entries` (`id` integer PRIMARY KEY AUTOINCREMENT,`actor_id` integer NOT NULL,`actor_email` text NOT NULL,`action` text NOT NULL,`subject_type` text NOT NULL,`subject_id` text NOT NULL,`subject_name` text NOT NULL DEFAULT '',`before` text NOT NULL DEFAULT '',`after` text NOT NULL DEFAULT '',`ip` text NOT NULL,`created_at` datetime);
CREATE INDEX `idx_audit_entries_created_at` ON `audit_entries`(`created_at`);

CREATE INDEX `idx_orders_status` ON `orders`(`status`);
