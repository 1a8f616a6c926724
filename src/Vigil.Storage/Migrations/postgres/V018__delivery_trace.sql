-- The W3C trace context of the alert transition a webhook delivery comes from, so the delivery's span (and the
-- traceparent header it sends) continue the trace of the reading that raised the alert. Null when tracing is off.
ALTER TABLE notification_deliveries ADD COLUMN traceparent TEXT;
