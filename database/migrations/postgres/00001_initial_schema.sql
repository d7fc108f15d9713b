-- Crumb's schema as GORM's AutoMigrate created it on Postgres before versioned
-- migrations: the same tables, columns, defaults, checks, keys and index and
-- constraint names. Every statement is IF NOT EXISTS, so on a database
-- AutoMigrate already made this changes nothing and goose only records
-- version 1.

-- +goose Up
CREATE TABLE IF NOT EXISTS "categories" (
    "id" bigserial,
    "slug" varchar(64) NOT NULL,
    "name" varchar(100) NOT NULL,
    "description" varchar(500) NOT NULL,
    "position" bigint NOT NULL DEFAULT 0,
    PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX IF NOT EXISTS "idx_categories_slug" ON "categories" ("slug");

CREATE TABLE IF NOT EXISTS "products" (
    "id" bigserial,
    "slug" varchar(100) NOT NULL,
    "name" varchar(200) NOT NULL,
    "description" varchar(2000) NOT NULL,
    "price_amount" bigint NOT NULL,
    "currency" varchar(3) NOT NULL,
    "stock" bigint NOT NULL,
    "category_id" bigint NOT NULL,
    "image" varchar(200) NOT NULL,
    "featured" boolean NOT NULL DEFAULT false,
    "published" boolean NOT NULL DEFAULT true,
    "created_at" timestamptz,
    "updated_at" timestamptz,
    PRIMARY KEY ("id"),
    CONSTRAINT "fk_products_category" FOREIGN KEY ("category_id") REFERENCES "categories" ("id"),
    CONSTRAINT "chk_products_stock" CHECK (stock >= 0)
);
CREATE INDEX IF NOT EXISTS "idx_products_category_id" ON "products" ("category_id");
CREATE UNIQUE INDEX IF NOT EXISTS "idx_products_slug" ON "products" ("slug");

CREATE TABLE IF NOT EXISTS "carts" (
    "id" bigserial,
    "user_id" bigint,
    "guest_key" varchar(64),
    "created_at" timestamptz,
    "updated_at" timestamptz,
    PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX IF NOT EXISTS "idx_carts_guest_key" ON "carts" ("guest_key");
CREATE INDEX IF NOT EXISTS "idx_carts_updated_at" ON "carts" ("updated_at");
CREATE UNIQUE INDEX IF NOT EXISTS "idx_carts_user_id" ON "carts" ("user_id");

CREATE TABLE IF NOT EXISTS "cart_items" (
    "cart_id" bigint,
    "product_id" bigint,
    "quantity" bigint NOT NULL,
    PRIMARY KEY ("cart_id", "product_id"),
    CONSTRAINT "fk_carts_items" FOREIGN KEY ("cart_id") REFERENCES "carts" ("id"),
    CONSTRAINT "fk_cart_items_product" FOREIGN KEY ("product_id") REFERENCES "products" ("id") ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS "users" (
    "id" bigserial,
    "name" varchar(100) NOT NULL,
    "email" varchar(254) NOT NULL,
    "password_hash" varchar(200) NOT NULL,
    "theft_detected_at" timestamptz,
    "created_at" timestamptz,
    "updated_at" timestamptz,
    PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX IF NOT EXISTS "idx_users_email" ON "users" ("email");

CREATE TABLE IF NOT EXISTS "web_sessions" (
    "key_hash" varchar(64),
    "user_id" bigint NOT NULL,
    "device_label" varchar(100) NOT NULL,
    "ip" varchar(64) NOT NULL,
    "remembered" boolean NOT NULL,
    "created_at" timestamptz,
    "last_seen_at" timestamptz,
    "expires_at" timestamptz,
    PRIMARY KEY ("key_hash")
);
CREATE INDEX IF NOT EXISTS "idx_web_sessions_expires_at" ON "web_sessions" ("expires_at");
CREATE INDEX IF NOT EXISTS "idx_web_sessions_user_id" ON "web_sessions" ("user_id");

CREATE TABLE IF NOT EXISTS "remember_tokens" (
    "id" bigserial,
    "selector" varchar(32) NOT NULL,
    "validator_hash" varchar(64) NOT NULL,
    "previous_hash" varchar(64) NOT NULL DEFAULT '',
    "rotated_at" timestamptz,
    "user_id" bigint NOT NULL,
    "device_label" varchar(100) NOT NULL,
    "ip" varchar(64) NOT NULL,
    "created_at" timestamptz,
    "last_used_at" timestamptz,
    "expires_at" timestamptz,
    PRIMARY KEY ("id")
);
CREATE INDEX IF NOT EXISTS "idx_remember_tokens_expires_at" ON "remember_tokens" ("expires_at");
CREATE UNIQUE INDEX IF NOT EXISTS "idx_remember_tokens_selector" ON "remember_tokens" ("selector");
CREATE INDEX IF NOT EXISTS "idx_remember_tokens_user_id" ON "remember_tokens" ("user_id");

CREATE TABLE IF NOT EXISTS "orders" (
    "id" bigserial,
    "number" varchar(16) NOT NULL,
    "user_id" bigint NOT NULL,
    "idempotency_key" varchar(100) NOT NULL,
    "request_hash" varchar(64) NOT NULL,
    "status" varchar(20) NOT NULL,
    "currency" varchar(3) NOT NULL,
    "subtotal" bigint NOT NULL,
    "total" bigint NOT NULL,
    "name" varchar(100) NOT NULL,
    "phone" varchar(30) NOT NULL,
    "address1" varchar(200) NOT NULL,
    "address2" varchar(200) NOT NULL,
    "postal_code" varchar(20) NOT NULL,
    "country" varchar(2) NOT NULL,
    "payment_method" varchar(20) NOT NULL,
    "created_at" timestamptz,
    "updated_at" timestamptz,
    "cancelled_at" timestamptz,
    PRIMARY KEY ("id")
);
CREATE INDEX IF NOT EXISTS "idx_orders_created_at" ON "orders" ("created_at");
CREATE UNIQUE INDEX IF NOT EXISTS "idx_orders_number" ON "orders" ("number");
CREATE INDEX IF NOT EXISTS "idx_orders_user_id" ON "orders" ("user_id");
CREATE UNIQUE INDEX IF NOT EXISTS "idx_orders_user_key" ON "orders" ("user_id", "idempotency_key");

CREATE TABLE IF NOT EXISTS "order_lines" (
    "id" bigserial,
    "order_id" bigint NOT NULL,
    "product_id" bigint NOT NULL,
    "name" varchar(200) NOT NULL,
    "unit_price" bigint NOT NULL,
    "quantity" bigint NOT NULL,
    "line_total" bigint NOT NULL,
    PRIMARY KEY ("id"),
    CONSTRAINT "fk_orders_lines" FOREIGN KEY ("order_id") REFERENCES "orders" ("id")
);
CREATE INDEX IF NOT EXISTS "idx_order_lines_order_id" ON "order_lines" ("order_id");
CREATE INDEX IF NOT EXISTS "idx_order_lines_product_id" ON "order_lines" ("product_id");

CREATE TABLE IF NOT EXISTS "refresh_families" (
    "id" bigserial,
    "user_id" bigint NOT NULL,
    "device_label" varchar(100) NOT NULL,
    "ip" varchar(64) NOT NULL,
    "created_at" timestamptz,
    "last_used_at" timestamptz,
    "expires_at" timestamptz,
    "revoked_at" timestamptz,
    PRIMARY KEY ("id")
);
CREATE INDEX IF NOT EXISTS "idx_refresh_families_expires_at" ON "refresh_families" ("expires_at");
CREATE INDEX IF NOT EXISTS "idx_refresh_families_user_id" ON "refresh_families" ("user_id");

CREATE TABLE IF NOT EXISTS "refresh_tokens" (
    "id" bigserial,
    "family_id" bigint NOT NULL,
    "token_hash" varchar(64) NOT NULL,
    "created_at" timestamptz,
    "used_at" timestamptz,
    "successor_id" bigint,
    PRIMARY KEY ("id"),
    CONSTRAINT "fk_refresh_families_tokens" FOREIGN KEY ("family_id") REFERENCES "refresh_families" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_refresh_tokens_family_id" ON "refresh_tokens" ("family_id");
CREATE UNIQUE INDEX IF NOT EXISTS "idx_refresh_tokens_token_hash" ON "refresh_tokens" ("token_hash");

CREATE TABLE IF NOT EXISTS "security_events" (
    "id" bigserial,
    "user_id" bigint NOT NULL,
    "kind" varchar(40) NOT NULL,
    "ip" varchar(64) NOT NULL,
    "created_at" timestamptz,
    PRIMARY KEY ("id")
);
CREATE INDEX IF NOT EXISTS "idx_security_events_user_id" ON "security_events" ("user_id");

CREATE TABLE IF NOT EXISTS "storage_entries" (
    "storage_key" varchar(128),
    "value" bytea NOT NULL,
    "expires_at" bigint NOT NULL,
    PRIMARY KEY ("storage_key")
);
CREATE INDEX IF NOT EXISTS "idx_storage_entries_expires_at" ON "storage_entries" ("expires_at");
