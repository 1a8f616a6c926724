-- Rows the analyzer and the consumers update again and again (an open window's aggregate on every batch that touches
-- it, a patient's watermark and latest NEWS2, a group's offsets, the relay's positions) leave half of each page free.
-- An update then finds room for the new row version on the page of the old one and needs no new index entries
-- (a heap-only tuple), which spares the primary-key index its growth and the write-ahead log its entries. Rows
-- written from now on are placed so; existing rows move as they are updated.
ALTER TABLE window_aggregates SET (fillfactor = 50);
ALTER TABLE patient_watermarks SET (fillfactor = 50);
ALTER TABLE news2_latest SET (fillfactor = 50);
ALTER TABLE alert_conditions SET (fillfactor = 50);
ALTER TABLE device_activity SET (fillfactor = 50);
ALTER TABLE consumer_offsets SET (fillfactor = 50);
ALTER TABLE relay_positions SET (fillfactor = 50);
