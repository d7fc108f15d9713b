-- A deleted account stays as a tombstone: its name, email, password and
-- security events are erased, and its orders stay for the bakery's books
-- (ORDER_RETENTION) under the tombstone's id, which the email column
-- then holds. erased_at is when the account was deleted.

-- +goose Up
ALTER TABLE `users` ADD COLUMN `erased_at` datetime;
