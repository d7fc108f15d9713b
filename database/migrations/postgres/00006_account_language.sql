-- The language an account reads the shop and its emails in: the one it
-- signed up in, or last chose with the language switch. Accounts made
-- before the shop spoke Korean read it in English.

-- +goose Up
ALTER TABLE "users" ADD COLUMN "language" varchar(2) NOT NULL DEFAULT 'en';

