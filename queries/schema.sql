-- Purpose: the case tables of the hopchain store (meta, files, events) and
--   its schema version; run once on a new database (and by analyze --db
--   after reset.sql). The analysis tables are in schema_analysis.sql,
--   secondary indexes in schema_indexes.sql so a bulk write can build
--   them after the rows are in.
-- Parameters: none
-- Result: none
--
-- Identifiers: every table has an INTEGER PRIMARY KEY `id`. Files and
-- events get theirs in the order they are added (a case grows by ingest);
-- hosts, sessions, hops, links and chains: the analysis' index + 1, so
-- the ids of one analysis match its JSON output. Times are stored twice: `*_ticks` (100 ns since
-- 1601-01-01 UTC, FILETIME, exact and sortable) and `*_text` (RFC 3339 UTC,
-- 7 fraction digits, 'Z'). Booleans are 0/1. Logon ids are the 64-bit LUID
-- reinterpreted as a signed integer (printf('0x%x', ...) shows them as
-- Windows does). Account, host and computer names compare case-insensitively
-- (COLLATE NOCASE), as Windows does. Text that is not valid UTF-8 in a log
-- is stored with each bad byte replaced by U+FFFD.
PRAGMA user_version = 3;

-- Facts about the case: 'hopchain_version' (that last wrote it),
-- 'analysis_stale' ('1' while events were added after the last
-- correlation), 'generation' (how many times events were added; an
-- analysis made from an older generation leaves the case stale), 'analysis_time' (RFC 3339, when it was correlated), and the
-- correlation options it used: 'skew', 'session_window' (seconds),
-- 'policy', 'hosts' (paths, '' for none).
CREATE TABLE meta (
	key TEXT PRIMARY KEY,
	value TEXT
);

-- Input files, one row per file taken in. A row is written in the same
-- transaction as the file's events, so a file is in the case completely or
-- not at all. `sha256` (hex, of the whole content) lets ingest skip a file
-- it has seen, under any path; NULL for files an analyze wrote. Counters:
-- records read, failed (unreadable records), kept (events of the
-- extracted ids), added (new to the case), duplicates (already in the
-- case), errors (diagnostics reported).
CREATE TABLE files (
	id INTEGER PRIMARY KEY,
	path TEXT NOT NULL,
	sha256 TEXT,
	size INTEGER,
	backend TEXT,
	records INTEGER NOT NULL DEFAULT 0,
	failed INTEGER NOT NULL DEFAULT 0,
	kept INTEGER NOT NULL DEFAULT 0,
	added INTEGER NOT NULL DEFAULT 0,
	duplicates INTEGER NOT NULL DEFAULT 0,
	errors INTEGER NOT NULL DEFAULT 0,
	added_text TEXT
);
CREATE INDEX files_sha256 ON files(sha256);

-- Extracted events. `data` is every EventData field as one JSON object
-- (Name -> text as logged; a repeated Name keeps its first value). Chosen
-- over a child table of (name, value) rows because a million events carry
-- some twenty million fields: one text column per event writes several
-- times faster, keeps the event in one row, and SQLite's JSON functions
-- (json_extract(data, '$.IpPort'), json_each) still reach any field. The
-- normalised columns beside it are what queries filter on. `data` is NULL
-- in the in-memory store of a plain analyze, which keeps only the events
-- its analysis cites and drops raw fields while reading. An event is
-- identified by (host, channel, record_id), names compared
-- case-insensitively, `host` being the Computer's first label (JSON exports
-- name one machine bare or qualified): the same record read twice (from a log given twice,
-- or a later export of a grown log) is stored once, from the first file.
-- Records with that key are one event only when their times are within
-- HC_DUP_WINDOW (5 minutes) of each other: the same record exported as
-- .evtx (100 ns) and as JSON (ms, or whole seconds in local time) keeps
-- its key but not its exact time, while Windows numbers records from 1
-- again after a log is cleared, so the same number far apart in time is
-- another event (nothing may be lost). insert_event.sql checks it.
CREATE TABLE events (
	id INTEGER PRIMARY KEY,
	file INTEGER REFERENCES files(id),
	record_id INTEGER NOT NULL,
	time_ticks INTEGER NOT NULL,
	time_text TEXT NOT NULL,
	computer TEXT COLLATE NOCASE,
	host TEXT COLLATE NOCASE,
	channel TEXT COLLATE NOCASE,
	provider TEXT,
	event_id INTEGER NOT NULL,
	version INTEGER NOT NULL,
	recovered INTEGER NOT NULL,
	truncated INTEGER NOT NULL,
	subject_user TEXT COLLATE NOCASE,
	subject_domain TEXT COLLATE NOCASE,
	subject_sid TEXT,
	subject_logon_id INTEGER,
	target_user TEXT COLLATE NOCASE,
	target_domain TEXT COLLATE NOCASE,
	target_sid TEXT,
	target_logon_id INTEGER,
	linked_logon_id INTEGER,
	logon_type INTEGER,
	logon_process TEXT,
	package TEXT,
	lm_package TEXT,
	key_length INTEGER,
	impersonation TEXT,
	workstation TEXT COLLATE NOCASE,
	ip TEXT,
	port INTEGER,
	process_name TEXT,
	logon_guid TEXT,
	status INTEGER,
	substatus INTEGER,
	failure_reason TEXT,
	target_server TEXT COLLATE NOCASE,
	service_name TEXT COLLATE NOCASE,
	anonymous INTEGER NOT NULL,
	data TEXT
);
CREATE INDEX events_key ON events(host, channel, record_id, time_ticks);
