-- Webhook subscriptions: a customer's endpoint, the secret its deliveries are signed with (HMAC-SHA256, so it is kept
-- as given), the least severity it wants and the alert transitions it wants (space-separated, e.g. 'alert.created').
CREATE TABLE notification_subscriptions (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    url          TEXT NOT NULL,
    secret       TEXT NOT NULL,
    min_severity TEXT NOT NULL,
    types        TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    updated_by   TEXT
);
CREATE INDEX ix_notification_subscriptions_customer ON notification_subscriptions (customer_id);

-- The delivery log: one row per alert transition and matching subscription, written by the notify consumer group in
-- the transaction that moves its offset (so each exactly once), then sent by the dispatcher. seq orders one patient's
-- deliveries per subscription; body is the exact JSON sent and signed. Status: pending, delivered, failed.
CREATE TABLE notification_deliveries (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    customer_id     TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    patient_key     TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    alert_id        TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    last_error      TEXT,
    response_status INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    delivered_at    INTEGER,
    leased_until    INTEGER,
    UNIQUE (subscription_id, message_id)
);
CREATE INDEX ix_notification_deliveries_customer ON notification_deliveries (customer_id, seq);
CREATE INDEX ix_notification_deliveries_pending ON notification_deliveries (subscription_id, patient_key, seq) WHERE status = 'pending';
