-- Purpose: the secondary indexes of the store, for the query commands
--   (time ranges, accounts, hosts, joins along chains). Run at the end of
--   writing an analysis to a file store: building them after a bulk
--   insert is faster than updating them row by row (see engine/store.c);
--   the events indexes, once there, are kept up to date by later ingests.
-- Parameters: none
-- Result: none
CREATE INDEX IF NOT EXISTS events_time ON events(time_ticks);
CREATE INDEX IF NOT EXISTS events_file ON events(file, record_id);
CREATE INDEX IF NOT EXISTS events_target_user ON events(target_user, time_ticks);
CREATE INDEX IF NOT EXISTS events_subject_user ON events(subject_user, time_ticks);
CREATE INDEX IF NOT EXISTS events_ip ON events(ip);
CREATE INDEX IF NOT EXISTS hosts_name ON hosts(name);
CREATE INDEX IF NOT EXISTS hosts_fqdn ON hosts(fqdn);
CREATE INDEX IF NOT EXISTS host_addresses_address ON host_addresses(address);
CREATE INDEX IF NOT EXISTS host_addresses_host ON host_addresses(host);
CREATE INDEX IF NOT EXISTS sessions_host ON sessions(host, logon_id);
CREATE INDEX IF NOT EXISTS sessions_start ON sessions(start_ticks);
CREATE INDEX IF NOT EXISTS hops_time ON hops(time_ticks);
CREATE INDEX IF NOT EXISTS hops_account ON hops(account, time_ticks);
CREATE INDEX IF NOT EXISTS hops_src ON hops(src_host, time_ticks);
CREATE INDEX IF NOT EXISTS hops_dst ON hops(dst_host, time_ticks);
CREATE INDEX IF NOT EXISTS hops_event ON hops(event);
CREATE INDEX IF NOT EXISTS hops_repeat_of ON hops(repeat_of);
CREATE INDEX IF NOT EXISTS links_parent ON links(parent);
CREATE INDEX IF NOT EXISTS links_child ON links(child);
CREATE INDEX IF NOT EXISTS chain_hops_hop ON chain_hops(hop);
CREATE INDEX IF NOT EXISTS chains_start ON chains(start_ticks);
CREATE INDEX IF NOT EXISTS findings_chain ON findings(chain, hop_position);
CREATE INDEX IF NOT EXISTS findings_code ON findings(code, severity_rank);
