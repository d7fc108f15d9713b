-- An audit entry's subject name is a customer's email (up to 254
-- characters), a product's name or an order's shipping name. SQLite's text
-- columns have no length, so there is nothing to change here; the number
-- keeps both dialects' migrations in step.

-- +goose Up
SELECT 1;
