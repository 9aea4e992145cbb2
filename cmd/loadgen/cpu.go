package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPU accounting. On a machine shared with other work the request rate
// says little about the code: it depends on how much CPU the other work
// leaves. The CPU time a run consumed per operation does not, so loadgen
// reports it beside the rate.

// processCPU returns the CPU time (user and system) this process used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// userHZ is the unit of the CPU times in /proc/<pid>/stat (USER_HZ, 100
// on every Linux architecture Go supports).
const userHZ = 100

// pidCPU returns the CPU time (user and system) process pid used so far,
// from /proc/<pid>/stat, in steps of 10 ms.
func pidCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("CPU time of process %d: %w", pid, err)
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("CPU time of process %d: unexpected /proc stat format", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// Fields after the name start at 3 (state); utime is 14, stime 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("CPU time of process %d: unexpected /proc stat format", pid)
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("CPU time of process %d: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// cpuNote describes the CPU a timed run consumed per operation.
func cpuNote(r result) string {
	if r.Ops == 0 || r.CPU <= 0 {
		return ""
	}
	per := func(d time.Duration) string {
		return fmt.Sprintf("%.0f µs", float64(d)/float64(r.Ops)/float64(time.Microsecond))
	}
	cores := func(d time.Duration) string {
		return fmt.Sprintf("%.2f", d.Seconds()/r.Elapsed.Seconds())
	}
	if r.ServerCPU <= 0 && r.DBCPU > 0 {
		return fmt.Sprintf("CPU: %s per %s in this process (servers and clients; on average %s CPUs busy), "+
			"%s per %s in PostgreSQL's backends of the benchmark's database (%s CPUs busy).",
			per(r.CPU), opName(r.Unit), cores(r.CPU), per(r.DBCPU), opName(r.Unit), cores(r.DBCPU))
	}
	if r.ServerCPU <= 0 {
		return fmt.Sprintf("CPU: %s per %s, servers, clients and database together in this process "+
			"(on average %s CPUs busy over the run).", per(r.CPU), opName(r.Unit), cores(r.CPU))
	}
	return fmt.Sprintf("CPU: server process %s per %s (on average %s CPUs busy), client process %s per %s (%s CPUs busy); "+
		"the server alone could serve about %s %s on one fully available CPU.",
		per(r.ServerCPU), opName(r.Unit), cores(r.ServerCPU), per(r.CPU), opName(r.Unit), cores(r.CPU),
		fmtRate(float64(r.Ops)/r.ServerCPU.Seconds()), r.Unit)
}

// opName is the singular of a rate's unit: "req/s" → "request".
func opName(unit string) string {
	switch {
	case strings.HasPrefix(unit, "req"):
		return "request"
	case strings.HasPrefix(unit, "sign-in"):
		return "sign-in"
	case strings.HasPrefix(unit, "hash"):
		return "hash"
	case strings.HasPrefix(unit, "person"):
		return "person"
	}
	return "operation"
}
