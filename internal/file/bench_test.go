package file_test

import (
	"bytes"
	"context"
	"io"
	"syscall"
	"testing"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
	. "liandong/internal/file"
	"liandong/internal/job"
	"liandong/internal/testkit"
)

// BenchmarkIngestPhoto measures a deadline-day upload: a ~300 KB,
// 1600×1200 photo-like JPEG, checked, stripped or re-encoded, stored
// (filesystem, fsync) and recorded in SQLite, with the production wiring:
// an upright JPEG is checked by its structure and its full decode and
// thumbnail are left to a "file.verify" job, measured on its own as
// verify-job. The budget of the upload is a few ms of CPU per photo
// (~120 photos/s on two cores shared with HTTP, the database and the
// load generator).
func BenchmarkIngestPhoto(b *testing.B) {
	img := photoLike(1600, 1200, 42)
	plain := encodeJPEG(b, img, 85)
	if n := len(plain); n < 200<<10 || n > 450<<10 {
		b.Fatalf("test photo is %d KB, not ~300 KB", n>>10)
	}
	cases := []struct {
		name string
		data []byte
		file string
	}{
		{"plain", plain, "p.jpg"},
		{"exif-gps-upright", withSegments(plain, exifSegment(1, true)), "p.jpg"},
		{"exif-rotated", withSegments(plain, exifSegment(6, true)), "p.jpg"},
		// A screenshot-like PNG: decoded and re-encoded as JPEG.
		{"png", encodePNG(b, img), "p.png"},
	}
	d := testkit.OpenDB(b, db.SQLite)
	st, err := NewFSStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	clock := core.NewFakeClock(time.Now())
	q := &job.Queue{DB: d, Clock: clock, Log: testkit.Logger(io.Discard)}
	svc := &Service{DB: d, Store: st, Clock: clock, Log: testkit.Logger(io.Discard), Jobs: q}
	svc.Register(q)
	ctx := context.Background()
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			start := cpuTime()
			for b.Loop() {
				if _, err := svc.Ingest(context.Background(), liaison, c.file, bytes.NewReader(c.data), Photo); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, start)
		})
	}
	// The deferred check of an upright JPEG, as the job worker runs it:
	// claim, read and verify the checksum, decode, thumbnail, store it,
	// mark the row. Uploads are made first, outside the measurement.
	b.Run("verify-job", func(b *testing.B) {
		if _, err := q.RunDue(ctx); err != nil { // the uploads above
			b.Fatal(err)
		}
		for range b.N {
			if _, err := svc.Ingest(ctx, liaison, "p.jpg", bytes.NewReader(plain), Photo); err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		start := cpuTime()
		n, err := q.RunDue(ctx)
		if err != nil || n != b.N {
			b.Fatalf("%d jobs ran of %d: %v", n, b.N, err)
		}
		reportCPU(b, start)
	})
	// The check alone, without storage: the CPU the photo itself costs.
	for _, c := range cases {
		b.Run("check-only/"+c.name, func(b *testing.B) {
			start := cpuTime()
			defer reportCPU(b, start)
			for b.Loop() {
				if _, err := Check(c.data, c.file, []Kind{Photo}, DefaultLimits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// cpuTime is the process's user+system CPU time: on a shared machine the
// wall-clock ns/op depends on the neighbours, the CPU spent does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}
