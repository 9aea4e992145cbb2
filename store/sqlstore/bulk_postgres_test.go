package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"jedenlogin/store/sqlstore"
	"jedenlogin/store/storetest"
)

// TestCopyRowsBinary: the import's binary COPY writes what PostgreSQL's
// own input of the same values gives — every type the import writes,
// NULLs, text with the characters a text COPY would escape, times before
// 1970 and 2000 and with nanoseconds (truncated to microseconds), enough
// rows to cross the chunks handed to the connection — and a value it
// cannot encode fails the copy with the row and column named, writing
// nothing.
func TestCopyRowsBinary(t *testing.T) {
	ran := false
	defer func() {
		if !ran {
			t.Skip("PostgreSQL only, and JEDENLOGIN_TEST_POSTGRES is not set")
		}
	}()
	for _, b := range storetest.Backends(t) {
		if b.Name != sqlstore.BackendPostgres {
			continue
		}
		ran = true
		ctx := context.Background()
		s := storetest.Open(t, b.NewDSN(t))
		db := s.DB()
		if _, err := db.ExecContext(ctx, `CREATE TABLE copy_probe (id bigint PRIMARY KEY, i4 integer, i2 smallint, t text, v varchar(40),
			b boolean, tz timestamptz, ts timestamp, n numeric)`); err != nil {
			t.Fatal(err)
		}
		cols := []string{"id", "i4", "i2", "t", "v", "b", "tz", "ts"}
		texts := []string{"", "Łódź\tżółć\nzażółć", `back\slash \N`, "\r", "ASCII only", strings.Repeat("ą", 20)}
		times := []time.Time{
			time.Date(2026, 12, 8, 1, 2, 3, 456789999, time.UTC),
			time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC),
			time.Date(1969, 7, 20, 20, 17, 40, 1000, time.UTC),
			time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
			// A zone other than UTC: timestamptz keeps the instant,
			// timestamp the clock time.
			time.Date(2026, 3, 29, 2, 30, 0, 0, time.FixedZone("CEST", 2*3600)),
		}
		const n = 40000 // about 3 MB: more than one chunk
		row := func(i int) []any {
			r := []any{int64(i) - 20000, int64(i%7 - 3), int64(i%5 - 2), texts[i%len(texts)], texts[(i+1)%len(texts)],
				i%3 == 0, times[i%len(times)], times[(i+1)%len(times)]}
			if i%11 == 0 {
				r[1], r[3], r[5], r[6] = nil, nil, nil, nil
			}
			if i == 1 {
				r[1], r[2] = int64(-2147483648), int64(32767)
			}
			return r
		}
		rows := make([][]any, n)
		for i := range rows {
			rows[i] = row(i)
		}
		if err := sqlstore.CopyRows(ctx, s, "copy_probe", cols, rows); err != nil {
			t.Fatalf("CopyRows: %v", err)
		}
		// Each row as PostgreSQL prints it, against the same values given
		// as literals in its text input.
		printed := func(where string) string {
			var out string
			if err := db.QueryRowContext(ctx, `SELECT coalesce(string_agg(concat_ws('|', id, coalesce(i4::text, 'NULL'), i2, coalesce(t, 'NULL'), v,
				coalesce(b::text, 'NULL'), coalesce(to_char(tz AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), 'NULL'),
				to_char(ts, 'YYYY-MM-DD HH24:MI:SS.US')), E'\n' ORDER BY id), '') FROM copy_probe `+where).Scan(&out); err != nil {
				t.Fatal(err)
			}
			return out
		}
		var want strings.Builder
		for i := range n {
			r := row(i)
			f := func(k int, v any) string {
				switch v := v.(type) {
				case nil:
					return "NULL"
				case time.Time:
					if cols[k] == "tz" {
						v = v.UTC()
					}
					return v.Truncate(time.Microsecond).Format("2006-01-02 15:04:05.000000")
				}
				return fmt.Sprint(v)
			}
			if i > 0 {
				want.WriteByte('\n')
			}
			for k, v := range r {
				if k > 0 {
					want.WriteByte('|')
				}
				want.WriteString(f(k, v))
			}
		}
		if got := printed(""); got != want.String() {
			gl, wl := strings.Split(got, "\n"), strings.Split(want.String(), "\n")
			for i := range min(len(gl), len(wl)) {
				if gl[i] != wl[i] {
					t.Fatalf("row %d: copied %q, want %q (%d and %d rows)", i, gl[i], wl[i], len(gl), len(wl))
				}
			}
			t.Fatalf("%d rows copied, want %d", len(gl), len(wl))
		}

		bad := []struct {
			name string
			cols []string
			val  any
			want string
		}{
			{"out of range", []string{"id", "i4"}, int64(1 << 40), "row 3 (id 100003), column i4: 1099511627776 does not fit an integer column"},
			{"unencoded type", []string{"id", "i4"}, 1.5, "row 3 (id 100003), column i4: value of type float64"},
			{"type and column", []string{"id", "n"}, int64(1), "row 3 (id 100003), column n: value of type int64 for a column of type oid 1700"},
			{"invalid UTF-8", []string{"id", "t"}, "ab\xffc", "row 3 (id 100003), column t: text of 4 bytes is not valid UTF-8 at byte 3"},
		}
		for _, c := range bad {
			rows := [][]any{{int64(100001), nil}, {int64(100002), nil}, {int64(100003), c.val}}
			err := sqlstore.CopyRows(ctx, s, "copy_probe", c.cols, rows)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v, want an error containing %q", c.name, err, c.want)
			}
			if got := printed("WHERE id > 100000"); got != "" {
				t.Errorf("%s: the failed copy wrote %q", c.name, got)
			}
		}
		if err := sqlstore.CopyRows(ctx, s, "copy_probe", []string{"id", "nope"}, nil); err == nil || !strings.Contains(err.Error(), "copy_probe has no column nope") {
			t.Errorf("unknown column: %v", err)
		}
	}
}
