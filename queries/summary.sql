-- Purpose: `hopchain summary`: the logon summary (logon_summary, filled
--   when the analysis was written), most logons first. Filters are
--   optional (NULL: not applied); patterns are PCRE2, searched
--   case-insensitively.
-- Parameters: ?1 account pattern (user name of the target account),
--   ?2 host pattern (target host or source host)
-- Result: target_account, target_host, src_host, src_ip, logon_type, package, lm_package, success, failure, first, last
SELECT target_account, target_host, src_host, src_ip, logon_type, package, lm_package,
	success, failure, first_text AS first, last_text AS last
FROM logon_summary
WHERE (?1 IS NULL
		OR regexp_nocase(?1, substr(target_account, instr(target_account, '\') + 1)))
	AND (?2 IS NULL OR regexp_nocase(?2, target_host) OR regexp_nocase(?2, src_host))
ORDER BY success + failure DESC, target_account, target_host, src_host, src_ip,
	logon_type, package, lm_package;
