-- Products and categories in Korean as well as English: empty until the
-- owner writes them, and then the English stands in.
--
-- The shop's settings that belong to its data: its currency, which every
-- price and order is in. A shop that has products keeps theirs; a new one
-- records SHOP_CURRENCY when it first starts (database.CheckCurrency).

-- +goose Up
ALTER TABLE `products` ADD COLUMN `name_ko` text NOT NULL DEFAULT '';
ALTER TABLE `products` ADD COLUMN `description_ko` text NOT NULL DEFAULT '';
ALTER TABLE `categories` ADD COLUMN `name_ko` text NOT NULL DEFAULT '';
ALTER TABLE `categories` ADD COLUMN `description_ko` text NOT NULL DEFAULT '';

CREATE TABLE `shop_settings` (
    `name` text NOT NULL,
    `value` text NOT NULL,
    PRIMARY KEY (`name`)
);
INSERT INTO `shop_settings` (`name`, `value`) SELECT 'currency', `currency` FROM `products` ORDER BY `id` LIMIT 1;
