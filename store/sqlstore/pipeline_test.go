package sqlstore

import (
	"context"
	"errors"
	"testing"

	"jedenlogin"
)

// TestPipeline: the records reach fn in the order produced, across
// batches; an error of fn stops the producer and is the walk's error; the
// producer's own error is returned after fn saw what came before it.
func TestPipeline(t *testing.T) {
	const n = 3*walkBatch + 7
	produce := func(fail int) func(context.Context, func(*jedenlogin.PersonRecord) error) error {
		return func(ctx context.Context, emit func(*jedenlogin.PersonRecord) error) error {
			for i := range n {
				if i == fail {
					return errors.New("read failed")
				}
				if err := emit(&jedenlogin.PersonRecord{Person: jedenlogin.Person{ID: int64(i)}}); err != nil {
					return err
				}
			}
			return nil
		}
	}
	var got []int64
	collect := func(rec *jedenlogin.PersonRecord) error { got = append(got, rec.Person.ID); return nil }
	if err := pipeline(context.Background(), produce(-1), collect); err != nil || len(got) != n {
		t.Fatalf("pipeline: %v, %d records, want %d", err, len(got), n)
	}
	for i, id := range got {
		if id != int64(i) {
			t.Fatalf("record %d is person %d: out of order", i, id)
		}
	}

	stop := errors.New("stop")
	calls := 0
	err := pipeline(context.Background(), produce(-1), func(rec *jedenlogin.PersonRecord) error {
		calls++
		if rec.Person.ID == walkBatch+1 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != walkBatch+2 {
		t.Errorf("fn failing at record %d: %v after %d calls, want stop after %d", walkBatch+1, err, calls, walkBatch+2)
	}

	got = nil
	err = pipeline(context.Background(), produce(walkBatch+3), collect)
	if err == nil || err.Error() != "read failed" || len(got) != walkBatch+3 {
		t.Errorf("producer failing at %d: %v after %d records, want its error after %d", walkBatch+3, err, len(got), walkBatch+3)
	}
}
