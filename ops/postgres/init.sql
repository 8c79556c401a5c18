-- Run once by the postgres image on an empty volume (docker-compose) or by hand (non-container).
-- The schema itself is managed by Alembic (`lienthong db upgrade`).
ALTER DATABASE lienthong SET timezone TO 'UTC';
ALTER DATABASE lienthong SET default_transaction_isolation TO 'read committed';
CREATE EXTENSION IF NOT EXISTS unaccent;
