-- Crumb's schema as GORM's AutoMigrate created it on SQLite before versioned
-- migrations, statement for statement. Every statement is IF NOT EXISTS, so on
-- a database AutoMigrate already made this changes nothing and goose only
-- records version 1. SQLite keeps each statement's text (without IF NOT
-- EXISTS) in sqlite_master, so a fresh database reads exactly like an old one.

-- +goose Up
CREATE TABLE IF NOT EXISTS `categories` (`id` integer PRIMARY KEY AUTOINCREMENT,`slug` text NOT NULL,`name` text NOT NULL,`description` text NOT NULL,`position` integer NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_categories_slug` ON `categories`(`slug`);

CREATE TABLE IF NOT EXISTS `products` (`id` integer PRIMARY KEY AUTOINCREMENT,`slug` text NOT NULL,`name` text NOT NULL,`description` text NOT NULL,`price_amount` integer NOT NULL,`currency` text NOT NULL,`stock` integer NOT NULL,`category_id` integer NOT NULL,`image` text NOT NULL,`featured` numeric NOT NULL DEFAULT false,`published` numeric NOT NULL DEFAULT true,`created_at` datetime,`updated_at` datetime,CONSTRAINT `fk_products_category` FOREIGN KEY (`category_id`) REFERENCES `categories`(`id`),CONSTRAINT `chk_products_stock` CHECK (stock >= 0));
CREATE INDEX IF NOT EXISTS `idx_products_category_id` ON `products`(`category_id`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_products_slug` ON `products`(`slug`);

CREATE TABLE IF NOT EXISTS `carts` (`id` integer PRIMARY KEY AUTOINCREMENT,`user_id` integer,`guest_key` text,`created_at` datetime,`updated_at` datetime);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_carts_guest_key` ON `carts`(`guest_key`);
CREATE INDEX IF NOT EXISTS `idx_carts_updated_at` ON `carts`(`updated_at`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_carts_user_id` ON `carts`(`user_id`);

CREATE TABLE IF NOT EXISTS `cart_items` (`cart_id` integer,`product_id` integer,`quantity` integer NOT NULL,PRIMARY KEY (`cart_id`,`product_id`),CONSTRAINT `fk_carts_items` FOREIGN KEY (`cart_id`) REFERENCES `carts`(`id`),CONSTRAINT `fk_cart_items_product` FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON DELETE CASCADE);

CREATE TABLE IF NOT EXISTS `users` (`id` integer PRIMARY KEY AUTOINCREMENT,`name` text NOT NULL,`email` text NOT NULL,`password_hash` text NOT NULL,`theft_detected_at` datetime,`created_at` datetime,`updated_at` datetime);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_users_email` ON `users`(`email`);

CREATE TABLE IF NOT EXISTS `web_sessions` (`key_hash` text,`user_id` integer NOT NULL,`device_label` text NOT NULL,`ip` text NOT NULL,`remembered` numeric NOT NULL,`created_at` datetime,`last_seen_at` datetime,`expires_at` datetime,PRIMARY KEY (`key_hash`));
CREATE INDEX IF NOT EXISTS `idx_web_sessions_expires_at` ON `web_sessions`(`expires_at`);
CREATE INDEX IF NOT EXISTS `idx_web_sessions_user_id` ON `web_sessions`(`user_id`);

CREATE TABLE IF NOT EXISTS `remember_tokens` (`id` integer PRIMARY KEY AUTOINCREMENT,`selector` text NOT NULL,`validator_hash` text NOT NULL,`previous_hash` text NOT NULL DEFAULT "",`rotated_at` datetime,`user_id` integer NOT NULL,`device_label` text NOT NULL,`ip` text NOT NULL,`created_at` datetime,`last_used_at` datetime,`expires_at` datetime);
CREATE INDEX IF NOT EXISTS `idx_remember_tokens_expires_at` ON `remember_tokens`(`expires_at`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_remember_tokens_selector` ON `remember_tokens`(`selector`);
CREATE INDEX IF NOT EXISTS `idx_remember_tokens_user_id` ON `remember_tokens`(`user_id`);

CREATE TABLE IF NOT EXISTS `orders` (`id` integer PRIMARY KEY AUTOINCREMENT,`number` text NOT NULL,`user_id` integer NOT NULL,`idempotency_key` text NOT NULL,`request_hash` text NOT NULL,`status` text NOT NULL,`currency` text NOT NULL,`subtotal` integer NOT NULL,`total` integer NOT NULL,`name` text NOT NULL,`phone` text NOT NULL,`address1` text NOT NULL,`address2` text NOT NULL,`postal_code` text NOT NULL,`country` text NOT NULL,`payment_method` text NOT NULL,`created_at` datetime,`updated_at` datetime,`cancelled_at` datetime);
CREATE INDEX IF NOT EXISTS `idx_orders_created_at` ON `orders`(`created_at`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_orders_number` ON `orders`(`number`);
CREATE INDEX IF NOT EXISTS `idx_orders_user_id` ON `orders`(`user_id`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_orders_user_key` ON `orders`(`user_id`,`idempotency_key`);

CREATE TABLE IF NOT EXISTS `order_lines` (`id` integer PRIMARY KEY AUTOINCREMENT,`order_id` integer NOT NULL,`product_id` integer NOT NULL,`name` text NOT NULL,`unit_price` integer NOT NULL,`quantity` integer NOT NULL,`line_total` integer NOT NULL,CONSTRAINT `fk_orders_lines` FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`));
CREATE INDEX IF NOT EXISTS `idx_order_lines_order_id` ON `order_lines`(`order_id`);
CREATE INDEX IF NOT EXISTS `idx_order_lines_product_id` ON `order_lines`(`product_id`);

CREATE TABLE IF NOT EXISTS `refresh_families` (`id` integer PRIMARY KEY AUTOINCREMENT,`user_id` integer NOT NULL,`device_label` text NOT NULL,`ip` text NOT NULL,`created_at` datetime,`last_used_at` datetime,`expires_at` datetime,`revoked_at` datetime);
CREATE INDEX IF NOT EXISTS `idx_refresh_families_expires_at` ON `refresh_families`(`expires_at`);
CREATE INDEX IF NOT EXISTS `idx_refresh_families_user_id` ON `refresh_families`(`user_id`);

CREATE TABLE IF NOT EXISTS `refresh_tokens` (`id` integer PRIMARY KEY AUTOINCREMENT,`family_id` integer NOT NULL,`token_hash` text NOT NULL,`created_at` datetime,`used_at` datetime,`successor_id` integer,CONSTRAINT `fk_refresh_families_tokens` FOREIGN KEY (`family_id`) REFERENCES `refresh_families`(`id`) ON DELETE CASCADE);
CREATE INDEX IF NOT EXISTS `idx_refresh_tokens_family_id` ON `refresh_tokens`(`family_id`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_refresh_tokens_token_hash` ON `refresh_tokens`(`token_hash`);

CREATE TABLE IF NOT EXISTS `security_events` (`id` integer PRIMARY KEY AUTOINCREMENT,`user_id` integer NOT NULL,`kind` text NOT NULL,`ip` text NOT NULL,`created_at` datetime);
CREATE INDEX IF NOT EXISTS `idx_security_events_user_id` ON `security_events`(`user_id`);

CREATE TABLE IF NOT EXISTS `storage_entries` (`storage_key` text,`value` blob NOT NULL,`expires_at` integer NOT NULL,PRIMARY KEY (`storage_key`));
CREATE INDEX IF NOT EXISTS `idx_storage_entries_expires_at` ON `storage_entries`(`expires_at`);
