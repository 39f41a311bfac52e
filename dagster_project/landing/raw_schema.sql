-- The raw layer: one table per landing source, typed, every row traceable to
-- its file and line. Written only by the loader (dagster_project/landing).
create schema if not exists raw;
create schema if not exists audit;

-- Probe checks are kept in the raw store (landing/store.py), and raw.probe_checks
-- is the view over its copies and this table: the text-landed rows of warehouses
-- from before the store.
create table if not exists raw.probe_checks_rows (
    checked_at timestamptz not null,
    service_id varchar not null,
    probe_id varchar not null,
    status varchar not null,          -- up | degraded | down
    response_ms integer,
    _file varchar not null,           -- path relative to the landing folder
    _line bigint not null             -- line number in the file (header = 1)
);

create table if not exists raw.incidents (
    incident_id varchar not null,
    recorded_at timestamptz not null,
    service_ids varchar[] not null,
    severity varchar not null,        -- red | yellow
    impact double,                    -- (0, 1], optional
    started_at timestamptz not null,
    ended_at timestamptz,             -- null while open
    status varchar not null,          -- open | resolved | cancelled
    service_code varchar,
    title varchar,
    description varchar,
    cause varchar,
    resolution varchar,
    _file varchar not null,
    _line bigint not null
);

create table if not exists raw.service_windows (
    window_id varchar not null,
    service_id varchar not null,
    starts_at timestamptz not null,
    ends_at timestamptz not null,
    announced_at timestamptz not null,
    description varchar,
    _file varchar not null,
    _line bigint not null
);

create table if not exists raw.changes (
    change_id varchar not null,
    area varchar not null,
    environment varchar not null,
    kind varchar not null,            -- change | fix
    deployed_at timestamptz not null,
    summary varchar,
    _file varchar not null,
    _line bigint not null
);

create table if not exists raw.service_calls (
    period_start timestamptz not null,
    environment varchar not null,     -- m1 | m2
    service_code varchar not null,
    calls bigint not null,
    failed_calls bigint not null,
    _file varchar not null,
    _line bigint not null
);

create table if not exists audit.loaded_files (
    source varchar not null,
    file varchar not null,
    sha256 varchar not null,
    data_rows bigint not null,        -- data rows read from the file
    rows_loaded bigint not null,
    rows_rejected bigint not null,
    loaded_at timestamptz not null,
    primary key (source, file)
);

-- The span of the file's row instants: a day load skips an unchanged file outside it.
alter table audit.loaded_files add column if not exists first_at timestamptz;
alter table audit.loaded_files add column if not exists last_at timestamptz;

create table if not exists audit.rejected_rows (
    source varchar not null,
    file varchar not null,
    line_number bigint not null,
    reason varchar not null,
    raw_line varchar
);
-- The instant of a rejected row of a daily-partitioned source, when readable: a
-- partition load replaces the rejects of its days (older warehouses gain the column).
alter table audit.rejected_rows add column if not exists row_at timestamptz;

-- What each load covered: a file's rows in [start_at, end_at) as of its hash, and
-- how many data rows the file had there (unbounded for a whole-file load). The
-- accounting check compares these with the raw and reject tables.
create table if not exists audit.loaded_windows (
    source varchar not null,
    file varchar not null,
    sha256 varchar not null,
    start_at timestamptz not null,
    end_at timestamptz not null,
    data_rows bigint not null
);

create table if not exists audit.rejected_files (
    source varchar not null,
    file varchar not null,
    sha256 varchar,
    reason varchar not null,
    rejected_at timestamptz not null
);

-- Rows of a file that cannot be placed until a later day (an instant after the day in
-- progress, as of `horizon`) are re-read once the day has moved on; rows in days no
-- load has covered yet are pending (the accounting counts them).
alter table audit.loaded_files add column if not exists horizon timestamptz;
alter table audit.loaded_files add column if not exists rows_beyond bigint;
alter table audit.loaded_files add column if not exists rows_pending bigint;

-- The raw store: which kept Parquet content gives a file's rows in [start_at, end_at),
-- and which of a content's columns are typed already (the others are cast as text is).
create table if not exists audit.parquet_parts (
    source varchar not null,
    file varchar not null,
    sha256 varchar not null,
    start_at timestamptz not null,
    end_at timestamptz not null
);
create table if not exists audit.parquet_types (
    source varchar not null,
    sha256 varchar not null,
    native varchar [] not null,       -- the columns read as they are (store.record_types)
    fields varchar not null,          -- the select list that reads the contract's columns
    primary key (source, sha256)
);
-- A row's line: its row number in a landed Parquet file, a column of a text file's copy.
alter table audit.parquet_types add column if not exists line varchar default 'file_row_number + 1';
-- The content a rejected row was read from: the view leaves out exactly its lines.
alter table audit.rejected_rows add column if not exists sha256 varchar;

-- Files removed from the landing folder, with the rows that went with them.
create table if not exists audit.removed_files (
    source varchar not null,
    file varchar not null,
    sha256 varchar not null,
    rows_removed bigint not null,
    removed_at timestamptz not null
);

-- Reference data the loader derives, not a landing source: Danish holidays from the
-- `holidays` package (landing/holidays.py), replaced whole on every load.
create table if not exists raw.public_holidays (
    day date not null,
    holiday_name varchar not null,
    category varchar not null         -- public | optional
);

-- Recurring service windows of the reference data, one row per occurrence
-- (landing/recurring_windows.py), replaced whole on every load.
create table if not exists raw.recurring_window_occurrences (
    window_id varchar not null,
    service_id varchar not null,
    announced_at timestamptz not null, -- of the declaration that made it
    starts_at timestamptz not null,
    ends_at timestamptz not null,
    description varchar not null
);
