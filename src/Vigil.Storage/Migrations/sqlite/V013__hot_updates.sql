-- PostgreSQL leaves room on the pages of often-updated tables (see the PostgreSQL migration of the same number).
-- SQLite has no fill factor; nothing changes here, and the version keeps both histories alike.
SELECT 1;
