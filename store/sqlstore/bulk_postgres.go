package sqlstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// postgresBulk is the bulkLoader of PostgreSQL: COPY in the import's
// transaction, the references checked at commit (by adding the foreign
// keys a large load dropped, or by the deferred checks of the others).
type postgresBulk struct{}

func (postgresBulk) begin(ctx context.Context, w *importWriter) error {
	var err error
	if w.tx, err = w.conn.BeginTx(ctx, nil); err != nil {
		return fmt.Errorf("import: begin: %w", err)
	}
	if _, err := w.tx.ExecContext(ctx, "LOCK TABLE entities, persons, logins, grants IN EXCLUSIVE MODE"); err != nil {
		return fmt.Errorf("import: lock tables: %w", err)
	}
	// Rows may come before the rows they refer to (a login before its
	// person): the references are checked at commit (0005_import_order).
	if _, err := w.tx.ExecContext(ctx, "SET CONSTRAINTS ALL DEFERRED"); err != nil {
		return fmt.Errorf("import: defer reference checks: %w", err)
	}
	return nil
}

// write copies the rows at once, in COPY's binary format, encoded here
// (copyRows) from the few Go types the import's rows hold.
func (postgresBulk) write(ctx context.Context, w *importWriter, table string, cols []string, n int, fill func(dst []any, i int)) error {
	types, err := w.columnTypes(ctx, table, cols)
	if err != nil {
		return fmt.Errorf("import: write %s: %w", table, err)
	}
	err = w.conn.Raw(func(dc any) error {
		return copyRows(ctx, dc.(*stdlib.Conn).Conn(), table, cols, types, n, fill)
	})
	if err != nil {
		return fmt.Errorf("import: write %s: %w", table, err)
	}
	return nil
}

// columnTypes returns the type (oid) of each of table's cols, read once
// per import.
func (w *importWriter) columnTypes(ctx context.Context, table string, cols []string) ([]uint32, error) {
	key := table + "(" + strings.Join(cols, ",") + ")"
	if t, ok := w.colTypes[key]; ok {
		return t, nil
	}
	types, err := pgColumnTypes(ctx, w.tx, table, cols)
	if err != nil {
		return nil, err
	}
	if w.colTypes == nil {
		w.colTypes = map[string][]uint32{}
	}
	w.colTypes[key] = types
	return types, nil
}

// pgColumnTypes reads the type (oid) of each of table's cols.
func pgColumnTypes(ctx context.Context, q queryer, table string, cols []string) ([]uint32, error) {
	rows, err := q.QueryContext(ctx, "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped", table)
	if err != nil {
		return nil, fmt.Errorf("read column types: %w", err)
	}
	defer rows.Close()
	byName := map[string]uint32{}
	for rows.Next() {
		var (
			name string
			oid  uint32
		)
		if err := rows.Scan(&name, &oid); err != nil {
			return nil, fmt.Errorf("read column types: %w", err)
		}
		byName[name] = oid
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read column types: %w", err)
	}
	types := make([]uint32, len(cols))
	for i, c := range cols {
		oid, ok := byName[c]
		if !ok {
			return nil, fmt.Errorf("table %s has no column %s", table, c)
		}
		types[i] = oid
	}
	return types, nil
}

// The types (oids) copyRows encodes.
const (
	oidBool        = 16
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidVarchar     = 1043
	oidTimestamp   = 1114
	oidTimestamptz = 1184
)

// copyChunk is how many bytes of encoded rows copyRows hands to the
// connection at once.
const copyChunk = 1 << 20

// copyRows copies n rows of cols (of the types types) into table with
// COPY … FROM STDIN BINARY; fill(dst, i) stores row i's values into dst.
// It encodes what the import's rows hold — nil (NULL), int64, string,
// bool, time.Time — by the column's type, and refuses anything else with
// an error naming the row and column; pgx's CopyFrom looked up an encoding
// plan for every value, which cost more than the rest of the import's own
// work on the rows. The rows are encoded while the connection sends the
// chunks before them.
func copyRows(ctx context.Context, conn *pgx.Conn, table string, cols []string, types []uint32, n int, fill func(dst []any, i int)) error {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = pgx.Identifier{c}.Sanitize()
	}
	sql := "COPY " + pgx.Identifier{table}.Sanitize() + " (" + strings.Join(quoted, ", ") + ") FROM STDIN BINARY"
	pr, pw := io.Pipe()
	encoded := make(chan error, 1)
	go func() {
		err := encodeCopy(pw, cols, types, n, fill)
		pw.CloseWithError(err)
		encoded <- err
	}()
	_, err := conn.PgConn().CopyFrom(ctx, pr, sql)
	// A copy that ended early stops the encoder at its next write; fill
	// is not called once copyRows returns.
	pr.CloseWithError(io.ErrClosedPipe)
	if errE := <-encoded; errE != nil && !errors.Is(errE, io.ErrClosedPipe) {
		return errE // the copy failed for it
	}
	return err
}

// encodeCopy writes the binary COPY stream of n rows to w.
func encodeCopy(w io.Writer, cols []string, types []uint32, n int, fill func(dst []any, i int)) error {
	buf := make([]byte, 0, copyChunk+4096)
	buf = append(buf, "PGCOPY\n\xff\r\n\x00"...)
	buf = binary.BigEndian.AppendUint32(buf, 0) // flags
	buf = binary.BigEndian.AppendUint32(buf, 0) // header extension
	row := make([]any, len(cols))
	for i := 0; i < n; i++ {
		clear(row)
		fill(row, i)
		buf = binary.BigEndian.AppendUint16(buf, uint16(len(cols)))
		for k, v := range row {
			var err error
			if buf, err = appendCopyValue(buf, types[k], v); err != nil {
				return fmt.Errorf("row %d (%s %v), column %s: %w", i+1, cols[0], row[0], cols[k], err)
			}
		}
		if len(buf) >= copyChunk {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	buf = binary.BigEndian.AppendUint16(buf, math.MaxUint16) // trailer: -1
	_, err := w.Write(buf)
	return err
}

// microsecondsY2K is 2000-01-01 UTC, PostgreSQL's epoch, in microseconds
// since 1970.
const microsecondsY2K = 946684800 * 1000000

// appendCopyValue appends v as one field of a binary COPY row for a column
// of type oid.
func appendCopyValue(buf []byte, oid uint32, v any) ([]byte, error) {
	be := binary.BigEndian
	switch v := v.(type) {
	case nil:
		return be.AppendUint32(buf, math.MaxUint32), nil // length -1: NULL
	case int64:
		switch oid {
		case oidInt8:
			return be.AppendUint64(be.AppendUint32(buf, 8), uint64(v)), nil
		case oidInt4:
			if v < math.MinInt32 || v > math.MaxInt32 {
				return buf, fmt.Errorf("%d does not fit an integer column", v)
			}
			return be.AppendUint32(be.AppendUint32(buf, 4), uint32(int32(v))), nil
		case oidInt2:
			if v < math.MinInt16 || v > math.MaxInt16 {
				return buf, fmt.Errorf("%d does not fit a smallint column", v)
			}
			return be.AppendUint16(be.AppendUint32(buf, 2), uint16(int16(v))), nil
		}
	case string:
		if oid == oidText || oid == oidVarchar {
			if len(v) > math.MaxInt32 {
				return buf, fmt.Errorf("text of %d bytes is too long", len(v))
			}
			if !utf8.ValidString(v) {
				// Not the text itself: it may be a PESEL, a name, an address.
				bad := 0
				for bad < len(v) {
					r, size := utf8.DecodeRuneInString(v[bad:])
					if r == utf8.RuneError && size == 1 {
						break
					}
					bad += size
				}
				return buf, fmt.Errorf("text of %d bytes is not valid UTF-8 at byte %d", len(v), bad+1)
			}
			return append(be.AppendUint32(buf, uint32(len(v))), v...), nil
		}
	case bool:
		if oid == oidBool {
			b := byte(0)
			if v {
				b = 1
			}
			return append(be.AppendUint32(buf, 1), b), nil
		}
	case time.Time:
		if oid == oidTimestamptz || oid == oidTimestamp {
			if oid == oidTimestamp {
				// Without a time zone the column keeps the clock time, as
				// pgx wrote it: the zone dropped, not converted.
				v = time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second(), v.Nanosecond(), time.UTC)
			}
			// Microseconds, truncated (as pgx did), since 2000-01-01.
			us := v.Unix()*1000000 + int64(v.Nanosecond())/1000 - microsecondsY2K
			return be.AppendUint64(be.AppendUint32(buf, 8), uint64(us)), nil
		}
	default:
		return buf, fmt.Errorf("value of type %T: the bulk load encodes no such values", v)
	}
	return buf, fmt.Errorf("value of type %T for a column of type oid %d: the bulk load encodes no such pair", v, oid)
}

func (postgresBulk) commit(ctx context.Context, w *importWriter) error {
	// Check the references now (PostgreSQL builds no index on a table
	// with checks pending); they look up primary keys, which stay.
	if _, err := w.tx.ExecContext(ctx, "SET CONSTRAINTS ALL IMMEDIATE"); err != nil {
		return fmt.Errorf("import: check references: %w", err)
	}
	if len(w.rebuild) > 0 {
		// Each index sorts its table in memory up to this, instead of in
		// runs on disk (the default is 64 MB); for this transaction only.
		if _, err := w.tx.ExecContext(ctx, "SET LOCAL maintenance_work_mem = '256MB'"); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	}
	if err := w.buildIndexes(ctx); err != nil {
		return err
	}
	// Fresh statistics, or the planner walks a million rows per chunk
	// of ForEachPerson until autovacuum gets round to the tables.
	if len(w.rebuild) > 0 {
		if _, err := w.tx.ExecContext(ctx, "ANALYZE entities, persons, logins, grants"); err != nil {
			return fmt.Errorf("import: analyze: %w", err)
		}
	}
	for _, t := range []string{"persons", "logins", "grants"} {
		if _, err := w.tx.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('"+t+"', 'id'), COALESCE((SELECT max(id) FROM "+t+"), 0) + 1, false)"); err != nil {
			return fmt.Errorf("import: reset id sequence of %s: %w", t, err)
		}
	}
	return nil
}

func (postgresBulk) finish(*importWriter) {}
