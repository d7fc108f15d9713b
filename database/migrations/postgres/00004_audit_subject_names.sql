-- An audit entry's subject name is a customer's email (up to 254
-- characters), a product's name or an order's shipping name: the column
-- holds the longest of them.

-- +goose Up
ALTER TABLE "audit_entries" ALTER COLUMN "subject_name" TYPE varchar(254);
