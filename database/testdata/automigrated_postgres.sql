-- A Crumb database on Postgres as GORM's AutoMigrate left it before versioned
-- migrations, with a few rows in every table. Made once with
-- `pg_dump --schema=... --no-owner --no-privileges --column-inserts` (less its
-- SET lines and with the schema name taken out, so it loads into whichever
-- schema is first on the search_path) and frozen: it must not be regenerated
-- from the model types, which change. TestMigrateUpgradesAnAutoMigratedDatabase
-- loads it and checks that Migrate keeps every row.

CREATE TABLE cart_items (
    cart_id bigint NOT NULL,
    product_id bigint NOT NULL,
    quantity bigint NOT NULL
);

CREATE TABLE carts (
    id bigint NOT NULL,
    user_id bigint,
    guest_key character varying(64),
    created_at timestamp with time zone,
    updated_at timestamp with time zone
);

CREATE SEQUENCE carts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE carts_id_seq OWNED BY carts.id;

CREATE TABLE categories (
    id bigint NOT NULL,
    slug character varying(64) NOT NULL,
    name character varying(100) NOT NULL,
    description character varying(500) NOT NULL,
    "position" bigint DEFAULT 0 NOT NULL
);

CREATE SEQUENCE categories_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE categories_id_seq OWNED BY categories.id;

CREATE TABLE order_lines (
    id bigint NOT NULL,
    order_id bigint NOT NULL,
    product_id bigint NOT NULL,
    name character varying(200) NOT NULL,
    unit_price bigint NOT NULL,
    quantity bigint NOT NULL,
    line_total bigint NOT NULL
);

CREATE SEQUENCE order_lines_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE order_lines_id_seq OWNED BY order_lines.id;

CREATE TABLE orders (
    id bigint NOT NULL,
    number character varying(16) NOT NULL,
    user_id bigint NOT NULL,
    idempotency_key character varying(100) NOT NULL,
    request_hash character varying(64) NOT NULL,
    status character varying(20) NOT NULL,
    currency character varying(3) NOT NULL,
    subtotal bigint NOT NULL,
    total bigint NOT NULL,
    name character varying(100) NOT NULL,
    phone character varying(30) NOT NULL,
    address1 character varying(200) NOT NULL,
    address2 character varying(200) NOT NULL,
    postal_code character varying(20) NOT NULL,
    country character varying(2) NOT NULL,
    payment_method character varying(20) NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    cancelled_at timestamp with time zone
);

CREATE SEQUENCE orders_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE orders_id_seq OWNED BY orders.id;

CREATE TABLE products (
    id bigint NOT NULL,
    slug character varying(100) NOT NULL,
    name character varying(200) NOT NULL,
    description character varying(2000) NOT NULL,
    price_amount bigint NOT NULL,
    currency character varying(3) NOT NULL,
    stock bigint NOT NULL,
    category_id bigint NOT NULL,
    image character varying(200) NOT NULL,
    featured boolean DEFAULT false NOT NULL,
    published boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    CONSTRAINT chk_products_stock CHECK ((stock >= 0))
);

CREATE SEQUENCE products_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE products_id_seq OWNED BY products.id;

CREATE TABLE refresh_families (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    device_label character varying(100) NOT NULL,
    ip character varying(64) NOT NULL,
    created_at timestamp with time zone,
    last_used_at timestamp with time zone,
    expires_at timestamp with time zone,
    revoked_at timestamp with time zone
);

CREATE SEQUENCE refresh_families_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE refresh_families_id_seq OWNED BY refresh_families.id;

CREATE TABLE refresh_tokens (
    id bigint NOT NULL,
    family_id bigint NOT NULL,
    token_hash character varying(64) NOT NULL,
    created_at timestamp with time zone,
    used_at timestamp with time zone,
    successor_id bigint
);

CREATE SEQUENCE refresh_tokens_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE refresh_tokens_id_seq OWNED BY refresh_tokens.id;

CREATE TABLE remember_tokens (
    id bigint NOT NULL,
    selector character varying(32) NOT NULL,
    validator_hash character varying(64) NOT NULL,
    previous_hash character varying(64) DEFAULT ''::character varying NOT NULL,
    rotated_at timestamp with time zone,
    user_id bigint NOT NULL,
    device_label character varying(100) NOT NULL,
    ip character varying(64) NOT NULL,
    created_at timestamp with time zone,
    last_used_at timestamp with time zone,
    expires_at timestamp with time zone
);

CREATE SEQUENCE remember_tokens_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE remember_tokens_id_seq OWNED BY remember_tokens.id;

CREATE TABLE security_events (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    kind character varying(40) NOT NULL,
    ip character varying(64) NOT NULL,
    created_at timestamp with time zone
);

CREATE SEQUENCE security_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE security_events_id_seq OWNED BY security_events.id;

CREATE TABLE storage_entries (
    storage_key character varying(128) NOT NULL,
    value bytea NOT NULL,
    expires_at bigint NOT NULL
);

CREATE TABLE users (
    id bigint NOT NULL,
    name character varying(100) NOT NULL,
    email character varying(254) NOT NULL,
    password_hash character varying(200) NOT NULL,
    theft_detected_at timestamp with time zone,
    created_at timestamp with time zone,
    updated_at timestamp with time zone
);

CREATE SEQUENCE users_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE users_id_seq OWNED BY users.id;

CREATE TABLE web_sessions (
    key_hash character varying(64) NOT NULL,
    user_id bigint NOT NULL,
    device_label character varying(100) NOT NULL,
    ip character varying(64) NOT NULL,
    remembered boolean NOT NULL,
    created_at timestamp with time zone,
    last_seen_at timestamp with time zone,
    expires_at timestamp with time zone
);

ALTER TABLE ONLY carts ALTER COLUMN id SET DEFAULT nextval('carts_id_seq'::regclass);

ALTER TABLE ONLY categories ALTER COLUMN id SET DEFAULT nextval('categories_id_seq'::regclass);

ALTER TABLE ONLY order_lines ALTER COLUMN id SET DEFAULT nextval('order_lines_id_seq'::regclass);

ALTER TABLE ONLY orders ALTER COLUMN id SET DEFAULT nextval('orders_id_seq'::regclass);

ALTER TABLE ONLY products ALTER COLUMN id SET DEFAULT nextval('products_id_seq'::regclass);

ALTER TABLE ONLY refresh_families ALTER COLUMN id SET DEFAULT nextval('refresh_families_id_seq'::regclass);

ALTER TABLE ONLY refresh_tokens ALTER COLUMN id SET DEFAULT nextval('refresh_tokens_id_seq'::regclass);

ALTER TABLE ONLY remember_tokens ALTER COLUMN id SET DEFAULT nextval('remember_tokens_id_seq'::regclass);

ALTER TABLE ONLY security_events ALTER COLUMN id SET DEFAULT nextval('security_events_id_seq'::regclass);

ALTER TABLE ONLY users ALTER COLUMN id SET DEFAULT nextval('users_id_seq'::regclass);

INSERT INTO cart_items (cart_id, product_id, quantity) VALUES (1, 1, 2);
INSERT INTO cart_items (cart_id, product_id, quantity) VALUES (1, 3, 1);
INSERT INTO cart_items (cart_id, product_id, quantity) VALUES (2, 1, 99);

INSERT INTO carts (id, user_id, guest_key, created_at, updated_at) VALUES (1, 1, NULL, '2026-03-14 09:36:53.589793+00', '2026-03-14 09:46:53.589793+00');
INSERT INTO carts (id, user_id, guest_key, created_at, updated_at) VALUES (2, NULL, '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', '2026-03-14 09:56:53.589793+00', '2026-03-14 09:56:53.589793+00');

INSERT INTO categories (id, slug, name, description, "position") VALUES (1, 'breads', 'Breads', 'Loaves baked before dawn.', 0);
INSERT INTO categories (id, slug, name, description, "position") VALUES (2, 'cakes', 'Cakes', 'Whole cakes & slices — "generous".', 1);

INSERT INTO order_lines (id, order_id, product_id, name, unit_price, quantity, line_total) VALUES (1, 1, 1, 'Sourdough Loaf', 850, 2, 1700);
INSERT INTO order_lines (id, order_id, product_id, name, unit_price, quantity, line_total) VALUES (2, 1, 2, 'Baguette', 400, 2, 800);
INSERT INTO order_lines (id, order_id, product_id, name, unit_price, quantity, line_total) VALUES (3, 2, 2, 'Baguette', 400, 1, 400);

INSERT INTO orders (id, number, user_id, idempotency_key, request_hash, status, currency, subtotal, total, name, phone, address1, address2, postal_code, country, payment_method, created_at, updated_at, cancelled_at) VALUES (1, 'CR-7K3M9Q2XWP', 1, 'checkout-token-1', '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8', 'placed', 'USD', 2500, 2500, 'Ada Baker', '+1 555 0100', '1 Flour Street', '', '10001', 'US', 'cash', '2026-03-14 10:06:53.589793+00', '2026-03-14 10:06:53.589793+00', NULL);
INSERT INTO orders (id, number, user_id, idempotency_key, request_hash, status, currency, subtotal, total, name, phone, address1, address2, postal_code, country, payment_method, created_at, updated_at, cancelled_at) VALUES (2, 'CR-2B4D6F8H9J', 1, 'checkout-token-2', '6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b', 'cancelled', 'USD', 400, 400, 'Ada Baker', '+1 555 0100', '1 Flour Street', 'Apt 2', '10001', 'US', 'bank_transfer', '2026-03-14 10:16:53.589793+00', '2026-03-14 10:21:53.589793+00', '2026-03-14 10:21:53.589793+00');

INSERT INTO products (id, slug, name, description, price_amount, currency, stock, category_id, image, featured, published, created_at, updated_at) VALUES (1, 'sourdough-loaf', 'Sourdough Loaf', 'Naturally leavened, 36-hour ferment.', 850, 'USD', 12, 1, 'img/products/sourdough-loaf.svg', true, true, '2026-03-14 09:26:53.589793+00', '2026-03-14 10:26:53.589793+00');
INSERT INTO products (id, slug, name, description, price_amount, currency, stock, category_id, image, featured, published, created_at, updated_at) VALUES (2, 'baguette', 'Baguette', 'Crackly crust, open crumb.', 400, 'USD', 0, 1, 'img/products/baguette.svg', false, true, '2026-03-14 09:26:53.589793+00', '2026-03-14 09:26:53.589793+00');
INSERT INTO products (id, slug, name, description, price_amount, currency, stock, category_id, image, featured, published, created_at, updated_at) VALUES (3, 'carrot-cake', 'Carrot Cake', 'Spiced carrot and walnut cake. Serves 8.', 3200, 'USD', 5, 2, 'img/products/carrot-cake.svg', false, false, '2026-03-14 09:26:53.589793+00', '2026-03-14 09:26:53.589793+00');

INSERT INTO refresh_families (id, user_id, device_label, ip, created_at, last_used_at, expires_at, revoked_at) VALUES (1, 1, 'Crumb for iOS', '198.51.100.23', '2026-03-14 11:26:53.589793+00', '2026-03-14 12:26:53.589793+00', '2026-04-13 11:26:53.589793+00', NULL);

INSERT INTO refresh_tokens (id, family_id, token_hash, created_at, used_at, successor_id) VALUES (2, 1, 'ef2d127de37b942baad06145e54b0c619a1f22327b2ebbcfbec78f5564afe39d', '2026-03-14 12:26:53.589793+00', NULL, NULL);
INSERT INTO refresh_tokens (id, family_id, token_hash, created_at, used_at, successor_id) VALUES (1, 1, 'e7f6c011776e8db7cd330b54174fd76f7d0216b612387a5ffcfb81e6f0919683', '2026-03-14 11:26:53.589793+00', '2026-03-14 12:26:53.589793+00', 2);

INSERT INTO remember_tokens (id, selector, validator_hash, previous_hash, rotated_at, user_id, device_label, ip, created_at, last_used_at, expires_at) VALUES (1, 'c2VsZWN0b3JzZWxlY3Rvcg', 'fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9', '', '2026-03-14 10:26:53.589793+00', 1, 'Firefox on Linux', '203.0.113.7', '2026-03-14 10:26:53.589793+00', '2026-03-14 10:26:53.589793+00', '2026-04-13 09:26:53.589793+00');

INSERT INTO security_events (id, user_id, kind, ip, created_at) VALUES (1, 1, 'app refresh token', '192.0.2.1', '2026-03-14 11:26:53.589793+00');

INSERT INTO storage_entries (storage_key, value, expires_at) VALUES ('4b227777d4dd1fc61c6f884f48641d02b4d121d3fd328cb08b5531fcacdabf8a', '\x00ff106372756d6280', 1773523613);
INSERT INTO storage_entries (storage_key, value, expires_at) VALUES ('forever', '\x6b657074', 0);

INSERT INTO users (id, name, email, password_hash, theft_detected_at, created_at, updated_at) VALUES (1, 'Ada Baker', 'ada@crumb.test', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g', '2026-03-14 11:26:53.589793+00', '2026-03-14 09:26:53.589793+00', '2026-03-14 11:26:53.589793+00');
INSERT INTO users (id, name, email, password_hash, theft_detected_at, created_at, updated_at) VALUES (2, 'Ben O''Brien', 'ben@crumb.test', '$argon2id$v=19$m=65536,t=3,p=4$YmVuYmVuYmVuYmVuYmVu$YmVuaGFzaGJlbmhhc2hiZW5oYXNoYmVuaGFzaA', NULL, '2026-03-14 09:27:53.589793+00', '2026-03-14 09:27:53.589793+00');

INSERT INTO web_sessions (key_hash, user_id, device_label, ip, remembered, created_at, last_seen_at, expires_at) VALUES ('2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae', 1, 'Firefox on Linux', '203.0.113.7', true, '2026-03-14 10:26:53.589793+00', '2026-03-14 10:56:53.589793+00', '2026-03-14 22:26:53.589793+00');

SELECT pg_catalog.setval('carts_id_seq', 2, true);

SELECT pg_catalog.setval('categories_id_seq', 2, true);

SELECT pg_catalog.setval('order_lines_id_seq', 3, true);

SELECT pg_catalog.setval('orders_id_seq', 2, true);

SELECT pg_catalog.setval('products_id_seq', 3, true);

SELECT pg_catalog.setval('refresh_families_id_seq', 1, true);

SELECT pg_catalog.setval('refresh_tokens_id_seq', 2, true);

SELECT pg_catalog.setval('remember_tokens_id_seq', 1, true);

SELECT pg_catalog.setval('security_events_id_seq', 1, true);

SELECT pg_catalog.setval('users_id_seq', 2, true);

ALTER TABLE ONLY cart_items
    ADD CONSTRAINT cart_items_pkey PRIMARY KEY (cart_id, product_id);

ALTER TABLE ONLY carts
    ADD CONSTRAINT carts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY categories
    ADD CONSTRAINT categories_pkey PRIMARY KEY (id);

ALTER TABLE ONLY order_lines
    ADD CONSTRAINT order_lines_pkey PRIMARY KEY (id);

ALTER TABLE ONLY orders
    ADD CONSTRAINT orders_pkey PRIMARY KEY (id);

ALTER TABLE ONLY products
    ADD CONSTRAINT products_pkey PRIMARY KEY (id);

ALTER TABLE ONLY refresh_families
    ADD CONSTRAINT refresh_families_pkey PRIMARY KEY (id);

ALTER TABLE ONLY refresh_tokens
    ADD CONSTRAINT refresh_tokens_pkey PRIMARY KEY (id);

ALTER TABLE ONLY remember_tokens
    ADD CONSTRAINT remember_tokens_pkey PRIMARY KEY (id);

ALTER TABLE ONLY security_events
    ADD CONSTRAINT security_events_pkey PRIMARY KEY (id);

ALTER TABLE ONLY storage_entries
    ADD CONSTRAINT storage_entries_pkey PRIMARY KEY (storage_key);

ALTER TABLE ONLY users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

ALTER TABLE ONLY web_sessions
    ADD CONSTRAINT web_sessions_pkey PRIMARY KEY (key_hash);

CREATE UNIQUE INDEX idx_carts_guest_key ON carts USING btree (guest_key);

CREATE INDEX idx_carts_updated_at ON carts USING btree (updated_at);

CREATE UNIQUE INDEX idx_carts_user_id ON carts USING btree (user_id);

CREATE UNIQUE INDEX idx_categories_slug ON categories USING btree (slug);

CREATE INDEX idx_order_lines_order_id ON order_lines USING btree (order_id);

CREATE INDEX idx_order_lines_product_id ON order_lines USING btree (product_id);

CREATE INDEX idx_orders_created_at ON orders USING btree (created_at);

CREATE UNIQUE INDEX idx_orders_number ON orders USING btree (number);

CREATE INDEX idx_orders_user_id ON orders USING btree (user_id);

CREATE UNIQUE INDEX idx_orders_user_key ON orders USING btree (user_id, idempotency_key);

CREATE INDEX idx_products_category_id ON products USING btree (category_id);

CREATE UNIQUE INDEX idx_products_slug ON products USING btree (slug);

CREATE INDEX idx_refresh_families_expires_at ON refresh_families USING btree (expires_at);

CREATE INDEX idx_refresh_families_user_id ON refresh_families USING btree (user_id);

CREATE INDEX idx_refresh_tokens_family_id ON refresh_tokens USING btree (family_id);

CREATE UNIQUE INDEX idx_refresh_tokens_token_hash ON refresh_tokens USING btree (token_hash);

CREATE INDEX idx_remember_tokens_expires_at ON remember_tokens USING btree (expires_at);

CREATE UNIQUE INDEX idx_remember_tokens_selector ON remember_tokens USING btree (selector);

CREATE INDEX idx_remember_tokens_user_id ON remember_tokens USING btree (user_id);

CREATE INDEX idx_security_events_user_id ON security_events USING btree (user_id);

CREATE INDEX idx_storage_entries_expires_at ON storage_entries USING btree (expires_at);

CREATE UNIQUE INDEX idx_users_email ON users USING btree (email);

CREATE INDEX idx_web_sessions_expires_at ON web_sessions USING btree (expires_at);

CREATE INDEX idx_web_sessions_user_id ON web_sessions USING btree (user_id);

ALTER TABLE ONLY cart_items
    ADD CONSTRAINT fk_cart_items_product FOREIGN KEY (product_id) REFERENCES products(id) ON DELETE CASCADE;

ALTER TABLE ONLY cart_items
    ADD CONSTRAINT fk_carts_items FOREIGN KEY (cart_id) REFERENCES carts(id);

ALTER TABLE ONLY order_lines
    ADD CONSTRAINT fk_orders_lines FOREIGN KEY (order_id) REFERENCES orders(id);

ALTER TABLE ONLY products
    ADD CONSTRAINT fk_products_category FOREIGN KEY (category_id) REFERENCES categories(id);

ALTER TABLE ONLY refresh_tokens
    ADD CONSTRAINT fk_refresh_families_tokens FOREIGN KEY (family_id) REFERENCES refresh_families(id) ON DELETE CASCADE;
