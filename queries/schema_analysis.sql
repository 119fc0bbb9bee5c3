-- Purpose: the tables of one analysis (hosts, sessions, hops, links,
--   chains, findings, warnings); dropped (reset_analysis.sql) and
--   re-created by every correlation, while the case tables stay.
-- Parameters: none
-- Result: none
-- (Conventions as in schema.sql.)

-- One identity per machine; `name` is the lower-case first DNS label.
-- collector: it logs on to most other hosts as its machine account (the
-- event collector). service_account: a NAME$ that is a service account
-- (gMSA) used on another host, not a host; the views leave it out. The
-- clock: this host's clock minus the reference host's (clock_ref), from
-- clock_pairs paired records; corrected when linking if clock_corrected.
CREATE TABLE hosts (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL COLLATE NOCASE,
	fqdn TEXT COLLATE NOCASE,
	learned_from TEXT NOT NULL,
	has_log INTEGER NOT NULL,
	kdc INTEGER NOT NULL DEFAULT 0,
	collector INTEGER NOT NULL DEFAULT 0,
	service_account INTEGER NOT NULL DEFAULT 0,
	clock_offset_ticks INTEGER,
	clock_pairs INTEGER,
	clock_ref INTEGER REFERENCES hosts(id),
	clock_corrected INTEGER
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
-- shows it ('ANONYMOUS LOGON' for anonymous hops); src_ip is the source
-- address from any witness; src_how says how the source was resolved
-- (connection, ip, 4648, 4769, 4776, workstation, listener-connection,
-- secure-channel). class: user, machine, collector or null-session, and
-- class_why why. at_ticks is the time on the reference clock (the target's
-- offset removed). repeat_of: the hop of the same act this logon repeats
-- (folded into it). src_proof: what named src_session (4648, 8001,
-- connection). absorbed: the type-3 twin of a CredSSP hop, evidence only.
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
	src_session INTEGER REFERENCES sessions(id),
	class TEXT NOT NULL DEFAULT 'user',
	class_why TEXT,
	at_ticks INTEGER,
	repeat_of INTEGER REFERENCES hops(id),
	src_proof TEXT,
	absorbed INTEGER NOT NULL DEFAULT 0
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
-- child's candidate parents (0 = best), NULL when not listed there. proof:
-- what ties the child to the parent's session (4648, 8001, connection, or
-- unique: the only session it can continue), NULL when nothing does.
CREATE TABLE links (
	id INTEGER PRIMARY KEY,
	parent INTEGER NOT NULL REFERENCES hops(id),
	child INTEGER NOT NULL REFERENCES hops(id),
	confidence REAL NOT NULL,
	gap_ticks INTEGER NOT NULL,
	via_4648 INTEGER NOT NULL,
	account_match INTEGER NOT NULL,
	ambiguous INTEGER NOT NULL,
	rank INTEGER,
	restricted_admin INTEGER NOT NULL DEFAULT 0,
	proof TEXT
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

-- The records a finding rests on, in order (the hop's logon first).
CREATE TABLE finding_evidence (
	finding INTEGER NOT NULL REFERENCES findings(id),
	position INTEGER NOT NULL,
	event INTEGER NOT NULL REFERENCES events(id),
	role TEXT NOT NULL,
	PRIMARY KEY (finding, position)
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
