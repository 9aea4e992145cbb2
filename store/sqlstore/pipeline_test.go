package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"jedenlogin"
)

// TestPipeline: the records reach fn in chunk order and, within a chunk,
// in the order produced, whichever producer read the chunk and however
// many there are (an empty chunk too); an error of fn stops the producers
// and is the walk's error; a producer's own error is returned after fn saw
// everything emitted before it.
func TestPipeline(t *testing.T) {
	const chunks = 9
	per := func(chunk int) int { return (chunk * 37) % 50 } // chunk 0 is empty
	total := 0
	for c := range chunks {
		total += per(c)
	}
	id := func(chunk, i int) int64 { return int64(chunk*1000 + i) }
	produce := func(failChunk, failAt int) func(context.Context, int, int, func(*jedenlogin.PersonRecord) error) error {
		return func(ctx context.Context, producer, chunk int, emit func(*jedenlogin.PersonRecord) error) error {
			for i := range per(chunk) {
				if chunk == failChunk && i == failAt {
					return fmt.Errorf("read failed in chunk %d", chunk)
				}
				if err := emit(&jedenlogin.PersonRecord{Person: jedenlogin.Person{ID: id(chunk, i)}}); err != nil {
					return err
				}
			}
			return nil
		}
	}
	var want []int64
	for c := range chunks {
		for i := range per(c) {
			want = append(want, id(c, i))
		}
	}
	for _, producers := range []int{1, 2, 3} {
		var got []int64
		collect := func(rec *jedenlogin.PersonRecord) error { got = append(got, rec.Person.ID); return nil }
		if err := pipeline(context.Background(), producers, chunks, produce(-1, 0), collect); err != nil || len(got) != total {
			t.Fatalf("%d producers: %v, %d records, want %d", producers, err, len(got), total)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%d producers: record %d is %d, want %d: out of order", producers, i, got[i], want[i])
			}
		}

		stop := errors.New("stop")
		calls := 0
		err := pipeline(context.Background(), producers, chunks, produce(-1, 0), func(rec *jedenlogin.PersonRecord) error {
			calls++
			if rec.Person.ID == id(4, 3) {
				return stop
			}
			return nil
		})
		before := per(1) + per(2) + per(3) + 4
		if !errors.Is(err, stop) || calls != before {
			t.Errorf("%d producers, fn failing at chunk 4's fourth record: %v after %d calls, want stop after %d", producers, err, calls, before)
		}

		got = nil
		err = pipeline(context.Background(), producers, chunks, produce(5, 2), collect)
		before = len(want[:per(1)+per(2)+per(3)+per(4)+2])
		if err == nil || err.Error() != "read failed in chunk 5" || len(got) != before {
			t.Errorf("%d producers, producer failing at chunk 5's third record: %v after %d records, want its error after %d", producers, err, len(got), before)
		}
	}

	// A cancelled walk ends with the context's error, not a partial success.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := pipeline(ctx, 2, chunks, func(ctx context.Context, producer, chunk int, emit func(*jedenlogin.PersonRecord) error) error {
		<-ctx.Done()
		return ctx.Err()
	}, func(*jedenlogin.PersonRecord) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}
