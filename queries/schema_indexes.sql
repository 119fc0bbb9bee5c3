-- Purpose: the secondary indexes of the store, for the query commands
--   (time ranges, accounts, hosts, joins along chains). Run after the
--   bulk insert of a write: building them at the end is faster than
--   updating them row by row (see engine/store.c).
-- Parameters: none
-- Result: none
CREATE INDEX events_time ON events(time_ticks);
CREATE INDEX events_key ON events(computer, channel, record_id);
CREATE INDEX events_file ON events(file, record_id);
CREATE INDEX events_target_user ON events(target_user, time_ticks);
CREATE INDEX events_subject_user ON events(subject_user, time_ticks);
CREATE INDEX events_ip ON events(ip);
CREATE INDEX hosts_name ON hosts(name);
CREATE INDEX hosts_fqdn ON hosts(fqdn);
CREATE INDEX host_addresses_address ON host_addresses(address);
CREATE INDEX host_addresses_host ON host_addresses(host);
CREATE INDEX sessions_host ON sessions(host, logon_id);
CREATE INDEX sessions_start ON sessions(start_ticks);
CREATE INDEX hops_time ON hops(time_ticks);
CREATE INDEX hops_account ON hops(account, time_ticks);
CREATE INDEX hops_src ON hops(src_host, time_ticks);
CREATE INDEX hops_dst ON hops(dst_host, time_ticks);
CREATE INDEX hops_event ON hops(event);
CREATE INDEX links_parent ON links(parent);
CREATE INDEX links_child ON links(child);
CREATE INDEX chain_hops_hop ON chain_hops(hop);
CREATE INDEX chains_start ON chains(start_ticks);
CREATE INDEX findings_chain ON findings(chain, hop_position);
CREATE INDEX findings_code ON findings(code, severity_rank);
