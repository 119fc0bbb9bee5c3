-- Purpose: `hopchain hosts`: every host with its names and addresses and
--   how each was learned (the event it came from, when there is one), in
--   the analysis' order. `addresses` is a JSON array shaped like the
--   addresses of analyze's JSON hosts; `address_list` is the same for
--   people. The pattern is optional (NULL: every host).
-- Parameters: ?1 host pattern (canonical name, FQDN or any address; PCRE2,
--   searched case-insensitively)
--   kdc: it issues Kerberos tickets (a DC); collector: it logs on to most
--   hosts as its machine account (the event collector). The clock: this
--   host's clock minus the reference host's, from `clock_pairs` pairs.
--   A service account (gMSA) that only looked like a host is left out.
-- Result: name, fqdn, has_log, learned_from, kdc, collector, boots, clock_offset_seconds, clock_pairs, clock_reference, addresses, address_list
SELECT x.name, x.fqdn, x.has_log, x.learned_from, x.kdc, x.collector,
	(SELECT count(*) FROM host_boots b WHERE b.host = x.id) AS boots,
	round(x.clock_offset_ticks / 10000000.0, 3) AS clock_offset_seconds, x.clock_pairs,
	(SELECT r.name FROM hosts r WHERE r.id = x.clock_ref) AS clock_reference,
	(SELECT json_group_array(json(a)) FROM (
		SELECT CASE WHEN ae.id IS NULL
			THEN json_object('address', ha.address, 'learned_from', ha.learned_from)
			ELSE json_object('address', ha.address, 'learned_from', ha.learned_from,
				'file', af.path, 'record_id', ae.record_id) END AS a
		FROM host_addresses ha
			LEFT JOIN events ae ON ae.id = ha.event
			LEFT JOIN files af ON af.id = ae.file
		WHERE ha.host = x.id ORDER BY ha.id)) AS addresses,
	(SELECT group_concat(t, ', ') FROM (
		SELECT ha.address || ' (' || ha.learned_from || ')' AS t
		FROM host_addresses ha WHERE ha.host = x.id ORDER BY ha.id)) AS address_list
FROM hosts x
WHERE x.service_account = 0 AND (?1 IS NULL OR regexp_nocase(?1, x.name)
	OR regexp_nocase(?1, x.fqdn) OR EXISTS (SELECT 1 FROM host_addresses ha
		WHERE ha.host = x.id AND regexp_nocase(?1, ha.address)))
ORDER BY x.id;
