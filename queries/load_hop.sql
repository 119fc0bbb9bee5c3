-- Purpose: one hop, for the chain views.
-- Parameters: ?1 hop id
-- Result: event, time_ticks, src_host, dst_host, src_ip, src_how, anonymous, failed, session, src_session, class, class_why, at_ticks, repeat_of, src_proof, absorbed
SELECT event, time_ticks, src_host, dst_host, src_ip, src_how, anonymous, failed, session,
       src_session, class, class_why, at_ticks, repeat_of, src_proof, absorbed
FROM hops WHERE id = ?1;
