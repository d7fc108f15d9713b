-- An account's language, as the app chooses it: en or ko. Every account
-- made before is English.

-- +goose Up
ALTER TABLE `users` ADD COLUMN `language` text NOT NULL DEFAULT 'en';
