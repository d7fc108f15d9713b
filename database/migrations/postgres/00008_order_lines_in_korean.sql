-- An order line keeps its product's Korean name as well as its English
-- one, as they were when the order was placed. Lines of orders placed
-- before have none, and show the English.

-- +goose Up
ALTER TABLE "order_lines" ADD COLUMN "name_ko" varchar(200) NOT NULL DEFAULT '';
