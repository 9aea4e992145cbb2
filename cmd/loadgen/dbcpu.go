package main

import (
	"context"
	"time"
)

// Database CPU. On PostgreSQL every connection is a server process of its
// own (a backend) on this same machine, and the CPU time it spends is the
// database's share of a request: the figure that round trips and
// statements per operation cost. loadgen reads it from /proc for the
// backends of its fresh database (PostgreSQL runs on this machine: the
// benchmark's premise), at the start and end of a timed run.

// dbCPUSample is the CPU time of each backend serving the benchmark's
// database, by process id; nil on SQLite, whose work runs in this process.
type dbCPUSample map[int]time.Duration

// dbCPU samples the backends of e's PostgreSQL database.
func (e *env) dbCPU(ctx context.Context) dbCPUSample {
	if e.backend != "PostgreSQL" {
		return nil
	}
	rows, err := e.store().DB().QueryContext(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
	if err != nil {
		return nil
	}
	defer rows.Close()
	s := dbCPUSample{}
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) != nil {
			return nil
		}
		if cpu, err := pidCPU(pid); err == nil {
			s[pid] = cpu
		}
	}
	if rows.Err() != nil {
		return nil
	}
	return s
}

// since returns the CPU the backends spent from before to s: a backend
// started meanwhile counts from zero; one that ended meanwhile is lost
// (the pool keeps its connections, so there are none).
func (s dbCPUSample) since(before dbCPUSample) time.Duration {
	if s == nil || before == nil {
		return 0
	}
	var d time.Duration
	for pid, cpu := range s {
		d += cpu - before[pid]
	}
	return d
}

// withDBCPU wraps measure so that each result carries the database
// backends' CPU over its run (result.DBCPU).
func (e *env) withDBCPU(measure measureFunc) measureFunc {
	return func(ctx context.Context, d time.Duration) result {
		before := e.dbCPU(ctx)
		r := measure(ctx, d)
		r.DBCPU = e.dbCPU(ctx).since(before)
		return r
	}
}

// compareTurns measures raw and measure in alternating turns of about
// compareSlice over d each, and returns both merged, with the ratio of
// measure's rate to raw's of every turn in res.Ratios.
func compareTurns(ctx context.Context, d time.Duration, rawMeasure, measure measureFunc) (raw, res result) {
	turns := max(1, int(d/compareSlice))
	slice := d / time.Duration(turns)
	var ratios []float64
	for range turns {
		r := rawMeasure(ctx, slice)
		m := measure(ctx, slice)
		if r.Rate() > 0 {
			ratios = append(ratios, m.Rate()/r.Rate())
		}
		raw, res = merge(raw, r), merge(res, m)
	}
	res.Ratios = ratios
	return raw, res
}
