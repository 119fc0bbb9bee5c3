-- Purpose: the tables of the hopchain store and its schema version; run
--   once on a new database and again by every analyze write (after
--   reset.sql). Secondary indexes live in schema_indexes.sql so a bulk
--   write can build them after the rows are in.
-- Parameters: none
-- Result: none
--
-- Identifiers: every table has an INTEGER PRIMARY KEY `id` assigned by the
-- writer (events: position in time order, 1-based; hosts, sessions, hops,
-- links, chains: the analysis' index + 1), so ids of one write are stable
-- and match the analysis. Times are stored twice: `*_ticks` (100 ns since
-- 1601-01-01 UTC, FILETIME, exact and sortable) and `*_text` (RFC 3339 UTC,
-- 7 fraction digits, 'Z'). Booleans are 0/1. Logon ids are the 64-bit LUID
-- reinterpreted as a signed integer (printf('0x%x', ...) shows them as
-- Windows does). Account, host and computer names compare case-insensitively
-- (COLLATE NOCASE), as Windows does. Text that is not valid UTF-8 in a log
-- is stored with each bad byte replaced by U+FFFD.
PRAGMA user_version = 1;

-- Input files. Later: a content hash, so ingest can skip a file seen before.
CREATE TABLE files (
	id INTEGER PRIMARY KEY,
	path TEXT NOT NULL
);

-- Extracted events. `data` is every EventData field as one JSON object
-- (Name -> text as logged; a repeated Name keeps its first value). Chosen
-- over a child table of (name, value) rows because a million events carry
-- some twenty million fields: one text column per event writes several
-- times faster, keeps the event in one row, and SQLite's JSON functions
-- (json_extract(data, '$.IpPort'), json_each) still reach any field. The
-- normalised columns beside it are what queries filter on. An event is
-- identified by (computer, channel, record_id); analyze keeps duplicates
-- (the same log given twice) and so does not make that key unique.
CREATE TABLE events (
	id INTEGER PRIMARY KEY,
	file INTEGER REFERENCES files(id),
	record_id INTEGER NOT NULL,
	time_ticks INTEGER NOT NULL,
	time_text TEXT NOT NULL,
	computer TEXT COLLATE NOCASE,
	channel TEXT,
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
	data TEXT NOT NULL
);

-- One identity per machine; `name` is the lower-case first DNS label.
CREATE TABLE hosts (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL COLLATE NOCASE,
	fqdn TEXT COLLATE NOCASE,
	learned_from TEXT NOT NULL,
	has_log INTEGER NOT NULL
);

-- Addresses of a host, how each was learned and the event that showed it
-- (NULL when it came from --hosts).
CREATE TABLE host_addresses (
	id INTEGER PRIMARY KEY,
	host INTEGER NOT NULL REFERENCES hosts(id),
	address TEXT NOT NULL,
	learned_from TEXT NOT NULL,
	event INTEGER REFERENCES events(id)
);

-- Boots (4608) of a host; sessions.boot counts the boots before a session.
CREATE TABLE host_boots (
	host INTEGER NOT NULL REFERENCES hosts(id),
	seq INTEGER NOT NULL,
	time_ticks INTEGER NOT NULL,
	time_text TEXT NOT NULL,
	PRIMARY KEY (host, seq)
);

-- Logon sessions: (host, boot, logon_id). `end` is the logoff when
-- end_seen, else the session window or the next boot.
CREATE TABLE sessions (
	id INTEGER PRIMARY KEY,
	host INTEGER NOT NULL REFERENCES hosts(id),
	boot INTEGER NOT NULL,
	logon_id INTEGER NOT NULL,
	start_ticks INTEGER NOT NULL,
	start_text TEXT NOT NULL,
	end_ticks INTEGER NOT NULL,
	end_text TEXT NOT NULL,
	end_seen INTEGER NOT NULL,
	privileged INTEGER NOT NULL,
	logon_event INTEGER REFERENCES events(id),
	logoff_event INTEGER REFERENCES events(id),
	hop INTEGER REFERENCES hops(id)
);

-- Hops: an inbound logon (4624/4625, or a client's 4648 for a host without
-- a log) from another host. `account` is DOMAIN\user as the JSON output
-- shows it ('ANONYMOUS LOGON' for anonymous hops); src_how says how the
-- source was resolved (ip, workstation, 4648, 4769).
CREATE TABLE hops (
	id INTEGER PRIMARY KEY,
	event INTEGER NOT NULL REFERENCES events(id),
	time_ticks INTEGER NOT NULL,
	time_text TEXT NOT NULL,
	src_host INTEGER REFERENCES hosts(id),
	dst_host INTEGER NOT NULL REFERENCES hosts(id),
	src_ip TEXT,
	src_how TEXT,
	account TEXT NOT NULL COLLATE NOCASE,
	account_sid TEXT,
	package TEXT,
	lm_package TEXT,
	logon_type INTEGER,
	impersonation TEXT,
	anonymous INTEGER NOT NULL,
	failed INTEGER NOT NULL,
	session INTEGER REFERENCES sessions(id),
	src_session INTEGER REFERENCES sessions(id)
);

-- Events cited by a hop, in order (the logon, the client's 4648, the DC's
-- 4769, ...). The session on the source a chain came from is not here: it
-- is the session of the parent hop of the chain's link.
CREATE TABLE hop_evidence (
	hop INTEGER NOT NULL REFERENCES hops(id),
	position INTEGER NOT NULL,
	event INTEGER NOT NULL REFERENCES events(id),
	role TEXT NOT NULL,
	PRIMARY KEY (hop, position)
);

-- Candidate links: child continues parent. `rank` is the place among the
-- child's candidate parents (0 = best), NULL when not listed there.
CREATE TABLE links (
	id INTEGER PRIMARY KEY,
	parent INTEGER NOT NULL REFERENCES hops(id),
	child INTEGER NOT NULL REFERENCES hops(id),
	confidence REAL NOT NULL,
	gap_ticks INTEGER NOT NULL,
	via_4648 INTEGER NOT NULL,
	account_match INTEGER NOT NULL,
	ambiguous INTEGER NOT NULL,
	rank INTEGER
);

-- Maximal chains (all of them; --min-hops only filters what is printed).
CREATE TABLE chains (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	start_ticks INTEGER NOT NULL,
	start_text TEXT NOT NULL,
	end_ticks INTEGER NOT NULL,
	end_text TEXT NOT NULL,
	nhops INTEGER NOT NULL
);

-- The hops of a chain; `position` is 1-based, `link` joins it to the hop
-- before (NULL at position 1).
CREATE TABLE chain_hops (
	chain INTEGER NOT NULL REFERENCES chains(id),
	position INTEGER NOT NULL,
	hop INTEGER NOT NULL REFERENCES hops(id),
	link INTEGER REFERENCES links(id),
	PRIMARY KEY (chain, position)
);

-- Findings of a chain. `code` is the finding id ('anonymous-second-hop');
-- severity_rank orders severities (info 0, low 1, medium 2, high 3).
CREATE TABLE findings (
	id INTEGER PRIMARY KEY,
	chain INTEGER NOT NULL REFERENCES chains(id),
	hop_position INTEGER NOT NULL,
	hop INTEGER REFERENCES hops(id),
	code TEXT NOT NULL,
	severity TEXT NOT NULL,
	severity_rank INTEGER NOT NULL,
	technique TEXT,
	what TEXT NOT NULL,
	todo TEXT NOT NULL
);

-- Problems found while correlating that were not fatal.
CREATE TABLE warnings (
	id INTEGER PRIMARY KEY,
	message TEXT NOT NULL
);

-- Logon summary (hayabusa's, plus the packages): one row per (target
-- account, target host, source host, source address, logon type, package,
-- LM package) with the 4624 (success) and 4625 (failure) counts and the
-- first and last time. Derived from events and hops by
-- fill_logon_summary.sql at the end of a file store's write, so that
-- `hopchain summary` filters a small table instead of grouping every
-- event; an in-memory store leaves it empty. target_account is
-- DOMAIN\user as in hops ('ANONYMOUS LOGON' for anonymous logons),
-- target_host the lower-case first label of the Computer, src_host the
-- host the analysis resolved the logon's source to, else the logged
-- WorkstationName (lower-case first label).
CREATE TABLE logon_summary (
	id INTEGER PRIMARY KEY,
	target_account TEXT NOT NULL COLLATE NOCASE,
	target_host TEXT COLLATE NOCASE,
	src_host TEXT COLLATE NOCASE,
	src_ip TEXT,
	logon_type INTEGER,
	package TEXT,
	lm_package TEXT,
	success INTEGER NOT NULL,
	failure INTEGER NOT NULL,
	first_ticks INTEGER NOT NULL,
	first_text TEXT NOT NULL,
	last_ticks INTEGER NOT NULL,
	last_text TEXT NOT NULL
);
