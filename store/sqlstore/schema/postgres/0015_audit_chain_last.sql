-- audit_chain_last() takes the audit chain's lock (the advisory lock of
-- dialect.lockName("audit_events chain"), held until the transaction ends)
-- and then returns the newest event, the one the next event links to: one
-- round trip where a lock and a read were two. The function is VOLATILE,
-- so its read takes a fresh snapshot after the lock is granted and sees
-- every event committed while it waited (a plain "SELECT lock, newest"
-- would read the snapshot taken before the wait).
CREATE FUNCTION audit_chain_last() RETURNS SETOF audit_events
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(hashtext('audit_events chain'));
	RETURN QUERY SELECT * FROM audit_events ORDER BY id DESC LIMIT 1;
END
$$;
