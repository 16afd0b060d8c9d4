package file_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
	. "liandong/internal/file"
	"liandong/internal/job"
	"liandong/internal/notify"
	"liandong/internal/org/orgtest"
	"liandong/internal/testkit"
)

// env is one service on one engine with one store.
type env struct {
	t     *testing.T
	d     *db.DB
	svc   *Service
	clock *core.FakeClock
	dir   string // the FSStore's directory, "" for the database store
	jobs  *job.Queue
}

// eachStore runs fn on both engines, each with the filesystem store and
// the database store.
func eachStore(t *testing.T, fn func(t *testing.T, e *env)) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		for _, kind := range []string{"fs", "db"} {
			t.Run(kind, func(t *testing.T) {
				e := &env{t: t, d: d, clock: core.NewFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))}
				var st Store
				if kind == "fs" {
					e.dir = t.TempDir()
					fst, err := NewFSStore(e.dir)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { fst.Close() })
					st = fst
				} else {
					// A fresh database of its own, so that the two stores'
					// subtests never see each other's rows.
					e.d = testkit.OpenDB(t, d.Engine)
					st = NewDBStore(e.d)
				}
				// The production wiring: deferred photo checks run as jobs
				// (run them with e.runJobs), damaged photos are notified.
				e.jobs = &job.Queue{DB: e.d, Clock: e.clock, Log: testkit.Logger(io.Discard)}
				e.svc = &Service{DB: e.d, Store: st, Clock: e.clock, Log: testkit.Logger(io.Discard), Jobs: e.jobs,
					Notify: &notify.Service{DB: e.d, Clock: e.clock, Jobs: e.jobs}}
				e.svc.Register(e.jobs)
				fn(t, e)
			})
		}
	})
}

var liaison = &core.Actor{Username: "liaison-test", Role: core.RoleLiaison}

// runJobs runs the due jobs (the deferred photo checks) and returns how
// many ran.
func (e *env) runJobs() int {
	e.t.Helper()
	n, err := e.jobs.RunDue(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) ingest(name string, data []byte, accept ...Kind) (*File, error) {
	return e.svc.Ingest(context.Background(), liaison, name, bytes.NewReader(data), accept...)
}

// stored lists every key in the store (finished or not).
func (e *env) stored() []string {
	e.t.Helper()
	var keys []string
	if err := e.svc.Store.List(context.Background(), time.Now().AddDate(100, 0, 0), func(k string) error {
		keys = append(keys, k)
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return keys
}

func (e *env) rows() int {
	e.t.Helper()
	var n int
	if err := e.d.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM files`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) read(id int64, v Variant) []byte {
	e.t.Helper()
	_, rc, err := e.svc.Open(context.Background(), id, v)
	if err != nil {
		e.t.Fatalf("open %d: %v", id, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func isChinese(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// E1: files that are not what they claim are refused by content, with a
// Chinese message, and leave nothing behind: no row and no bytes.
func TestIngestRefusesByContent(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		jpg := encodeJPEG(t, photoLike(64, 48, 1), 80)
		cases := []struct {
			name   string
			data   []byte
			accept []Kind
			want   string // part of the message
		}{
			{"照片.jpg", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), nil, "网页"},
			{"poly.gif", []byte("GIF89a/*\x00\x00\x00\x00*/=1;alert(document.cookie)//"), nil, "GIF"},
			{"poly.jpg", []byte("GIF89a/*\x00\x00\x00\x00*/=1;alert(document.cookie)//"), []Kind{Photo}, "GIF"},
			{"logo.svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), nil, "SVG"},
			{"logo.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), nil, "SVG"},
			{"总结.docx", zipOf(t, map[string]string{"word/document.xml": "<w:document/>"}), nil, "[Content_Types].xml"},
			{"总结.docx", zipOf(t, map[string]string{"[Content_Types].xml": contentTypesDOCX}), nil, "DOCX"},
			{"宏.docx", zipOf(t, map[string]string{"[Content_Types].xml": strings.ReplaceAll(contentTypesDOCX, MainDOCX,
				"application/vnd.ms-word.document.macroEnabled.main+xml"), "word/document.xml": "<w:document/>"}), nil, "DOCX"},
			{"IMG_0001.heic", append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), make([]byte, 64)...), nil, "HEIC"},
			{"IMG_0001.jpg", append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), make([]byte, 64)...), nil, "HEIC"},
			{"setup.exe", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 256)...), nil, "可执行"},
			{"report.pdf", append([]byte("MZ\x90\x00"), make([]byte, 256)...), nil, "可执行"},
			{"photo.png", jpg, nil, "扩展名"},
			{"photo.jpg", jpg, []Kind{Document}, "不接受"},
			{"a.pdf", minimalPDF(), []Kind{Photo}, "不接受"},
			{"cut.pdf", minimalPDF()[:60], nil, "PDF"},
			{"broken.jpg", jpg[:len(jpg)/2], nil, "损坏"},
			{"random.bin", bytes.Repeat([]byte{0x5a, 0x13}, 100), nil, "不支持"},
		}
		for _, c := range cases {
			_, err := e.ingest(c.name, c.data, c.accept...)
			var ce *core.Error
			if !errors.As(err, &ce) || ce.Code != core.EINVALID || ce.Field != "file" {
				t.Errorf("%s: want EINVALID on field file, got %v", c.name, err)
				continue
			}
			if !isChinese(ce.Message) || !strings.Contains(ce.Message, c.want) {
				t.Errorf("%s: message %q should be Chinese and mention %q", c.name, ce.Message, c.want)
			}
		}
		if n := e.rows(); n != 0 {
			t.Errorf("%d rows after refusals", n)
		}
		if k := e.stored(); len(k) != 0 {
			t.Errorf("bytes stored after refusals: %v", k)
		}
	})
}

// The accepted kinds are stored with the type their content has.
func TestIngestAcceptsRealFiles(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		cases := []struct {
			name, wantName, wantType string
			data                     []byte
			kind                     Kind
		}{
			{"现场.jpg", "现场.jpg", TypeJPEG, encodeJPEG(t, photoLike(640, 480, 2), 85), Photo},
			{"展板.png", "展板.jpg", TypeJPEG, encodePNG(t, photoLike(300, 200, 3)), Photo},
			{"2020年工作总结.docx", "2020年工作总结.docx", TypeDOCX, minimalDOCX(t), Document},
			{"汇总表.xlsx", "汇总表.xlsx", TypeXLSX, realXLSX(t), Document},
			{"通知", "通知.pdf", TypePDF, minimalPDF(), Document},
		}
		var ids []int64
		for _, c := range cases {
			f, err := e.ingest(c.name, c.data)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if f.Name != c.wantName || f.ContentType != c.wantType || f.Kind != c.kind {
				t.Errorf("%s: got %q %s %s", c.name, f.Name, f.ContentType, f.Kind)
			}
			got := e.read(f.ID, Original)
			if int64(len(got)) != f.Size {
				t.Errorf("%s: size %d, read %d", c.name, f.Size, len(got))
			}
			if c.kind == Document && !bytes.Equal(got, c.data) {
				t.Errorf("%s: a document must be stored as uploaded", c.name)
			}
			// An upright JPEG is pending its full decode; a PNG was
			// decoded to be re-encoded, a document has nothing to decode.
			wantCheck := CheckVerified
			if c.data[0] == 0xFF {
				wantCheck = CheckPending
			}
			if f.Check != wantCheck {
				t.Errorf("%s: check %q, want %q", c.name, f.Check, wantCheck)
			}
			if c.kind == Photo {
				if !f.HasThumb {
					t.Fatalf("%s: no thumbnail", c.name)
				}
				th, err := jpeg.DecodeConfig(bytes.NewReader(e.read(f.ID, Thumb)))
				if err != nil || max(th.Width, th.Height) > DefaultLimits.ThumbSize {
					t.Errorf("%s: thumbnail %v %v", c.name, th, err)
				}
			} else if _, _, err := e.svc.Open(context.Background(), f.ID, Thumb); core.ErrorCode(err) != core.ENOTFOUND {
				t.Errorf("%s: a document's thumbnail should be not found, got %v", c.name, err)
			}
			ids = append(ids, f.ID)
		}
		m, err := e.svc.GetMany(context.Background(), append(ids, 999999))
		if err != nil || len(m) != len(ids) {
			t.Fatalf("GetMany: %d files, %v", len(m), err)
		}
		if m[ids[2]].Name != "2020年工作总结.docx" {
			t.Errorf("GetMany: %+v", m[ids[2]])
		}
		var n int
		if err := e.d.R().QueryRowContext(context.Background(),
			`SELECT COUNT(*) FROM audit_log WHERE action = 'file.upload'`).Scan(&n); err != nil || n < len(cases) {
			t.Errorf("audit rows for uploads: %d %v", n, err)
		}
	})
}

// E2: a file over the size limit is ETOOLARGE, whatever it is.
func TestIngestTooLarge(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		big := io.MultiReader(bytes.NewReader(encodeJPEG(t, photoLike(32, 32, 1), 80)), io.LimitReader(zeros{}, 11<<20))
		_, err := e.svc.Ingest(context.Background(), liaison, "big.jpg", big)
		if core.ErrorCode(err) != core.ETOOLARGE || !isChinese(core.ErrorMessage(err)) {
			t.Fatalf("want ETOOLARGE with a Chinese message, got %v", err)
		}
		if e.rows() != 0 || len(e.stored()) != 0 {
			t.Error("an oversize upload left something behind")
		}
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// E3: a PNG claiming 60000×60000 pixels is refused from its header, before
// anything is decoded: the check allocates a few kilobytes, not 10 GB.
func TestPixelBombRefusedBeforeDecoding(t *testing.T) {
	bomb := pngHeader(60000, 60000)
	var err error
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 10 {
		_, err = Check(bomb, "bomb.png", []Kind{Photo}, DefaultLimits)
	}
	runtime.ReadMemStats(&after)
	if core.ErrorCode(err) != core.ETOOLARGE || !strings.Contains(core.ErrorMessage(err), "60000×60000") {
		t.Fatalf("want ETOOLARGE naming the size, got %v", err)
	}
	if per := (after.TotalAlloc - before.TotalAlloc) / 10; per > 256<<10 {
		t.Errorf("refusing the bomb allocated %d bytes per call", per)
	}
	// The JPEG decoder reads dimensions from SOF alike.
	jpg := encodeJPEG(t, photoLike(16, 16, 1), 80)
	for i := 0; i+9 < len(jpg); i++ {
		if jpg[i] == 0xFF && jpg[i+1] == 0xC0 {
			jpg[i+5], jpg[i+6], jpg[i+7], jpg[i+8] = 0xEA, 0x60, 0xEA, 0x60 // 60000×60000
			break
		}
	}
	if _, err := Check(jpg, "bomb.jpg", []Kind{Photo}, DefaultLimits); core.ErrorCode(err) != core.ETOOLARGE {
		t.Errorf("JPEG bomb: want ETOOLARGE, got %v", err)
	}
}

// E3: location data never reaches the store; the image is unchanged.
func TestGPSStripped(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		plain := encodeJPEG(t, photoLike(400, 300, 4), 85)
		com := append([]byte{0xFF, 0xFE, 0, 12}, []byte("SN 12345678")[:10]...)
		tagged := withSegments(plain, exifSegment(1, true), com)
		if !bytes.Contains(tagged, []byte("Exif\x00\x00")) {
			t.Fatal("test photo has no Exif")
		}
		tagged = append(tagged, []byte("<script>trailing</script>")...)
		f, err := e.ingest("gps.jpg", tagged)
		if err != nil {
			t.Fatal(err)
		}
		got := e.read(f.ID, Original)
		if bytes.Contains(got, []byte("Exif")) || bytes.Contains(got, []byte{0xFF, 0xE1}) || bytes.Contains(got, []byte("SN 1234")) ||
			bytes.Contains(got, []byte("<script>")) {
			t.Error("stored photo still carries metadata or trailing bytes")
		}
		a, _ := jpeg.Decode(bytes.NewReader(plain))
		b, err := jpeg.Decode(bytes.NewReader(got))
		if err != nil {
			t.Fatal(err)
		}
		if !samePixels(a, b) {
			t.Error("stripping metadata changed the picture")
		}
		if f.Width != 400 || f.Height != 300 {
			t.Errorf("size %d×%d", f.Width, f.Height)
		}
	})
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y += 7 {
		for x := r.Min.X; x < r.Max.X; x += 5 {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}

// E3: a photo taken with the phone turned (orientation 6) is stored
// upright: width and height swapped, its top-left corner at the top right,
// and no Exif left to turn it again.
func TestOrientationApplied(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		src := encodeJPEG(t, quadrant(80, 40), 95)
		f, err := e.ingest("turned.jpg", withSegments(src, exifSegment(6, true)))
		if err != nil {
			t.Fatal(err)
		}
		if f.Width != 40 || f.Height != 80 {
			t.Fatalf("stored %d×%d, want 40×80", f.Width, f.Height)
		}
		got := e.read(f.ID, Original)
		if bytes.Contains(got, []byte("Exif")) {
			t.Error("re-encoded photo kept Exif")
		}
		img, err := jpeg.Decode(bytes.NewReader(got))
		if err != nil || img.Bounds().Dx() != 40 || img.Bounds().Dy() != 80 {
			t.Fatalf("decoded %v %v", img.Bounds(), err)
		}
		red := func(x, y int) bool { r, g, b, _ := img.At(x, y).RGBA(); return r>>8 > 200 && g>>8 < 60 && b>>8 < 60 }
		if !red(35, 5) || red(5, 5) || red(5, 75) || red(35, 75) {
			t.Error("the red corner is not at the top right after rotating 90° clockwise")
		}
		th, err := jpeg.DecodeConfig(bytes.NewReader(e.read(f.ID, Thumb)))
		if err != nil || th.Width != 40 || th.Height != 80 {
			t.Errorf("thumbnail %v %v", th, err)
		}
	})
}

// Every orientation maps the source's top-left corner where EXIF says.
func TestOrientAllEight(t *testing.T) {
	src := quadrant(8, 4) // red at (0..1, 0)
	// Where the source pixel (0,0) lands, per orientation, in the upright image.
	want := map[int]image.Point{1: {0, 0}, 2: {7, 0}, 3: {7, 3}, 4: {0, 3}, 5: {0, 0}, 6: {3, 0}, 7: {3, 7}, 8: {0, 7}}
	for o, p := range want {
		img := Orient(src, o).(interface {
			image.Image
		})
		if o >= 5 && (img.Bounds().Dx() != 4 || img.Bounds().Dy() != 8) {
			t.Errorf("orientation %d: bounds %v", o, img.Bounds())
		}
		r, g, _, _ := img.At(p.X, p.Y).RGBA()
		if r>>8 != 255 || g>>8 != 0 {
			t.Errorf("orientation %d: source corner not at %v", o, p)
		}
	}
}

var keyPattern = regexp.MustCompile(`^[0-9a-f]{2}/[0-9a-f]{32}(\.t)?$`)

// E4: hostile names are kept only as display metadata; the bytes live
// under generated keys inside the store's root, which refuses escapes.
func TestHostileNames(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		jpg := encodeJPEG(t, photoLike(64, 64, 5), 80)
		for name, want := range map[string]string{
			"../../x.jpg":            "x.jpg",
			`..\..\windows\evil.jpg`: "evil.jpg",
			"CON.jpg":                "CON.jpg",
			"a\x00.jpg":              "a.jpg",
			"..":                     "file.jpg",
			"a\r\nb\u202e.jpg":       "ab.jpg",
		} {
			f, err := e.ingest(name, jpg)
			if err != nil {
				t.Fatalf("%q: %v", name, err)
			}
			if f.Name != want {
				t.Errorf("%q kept as %q, want %q", name, f.Name, want)
			}
			if !keyPattern.MatchString(f.Key()) {
				t.Errorf("%q stored under %q", name, f.Key())
			}
		}
		for _, k := range e.stored() {
			if !keyPattern.MatchString(k) {
				t.Errorf("stored key %q", k)
			}
		}
		if e.dir != "" {
			// Nothing was written outside the root, nor under a given name.
			err := filepath.WalkDir(filepath.Dir(e.dir), func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() && !strings.HasPrefix(p, e.dir) {
					t.Errorf("file outside the store: %s", p)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			fst := e.svc.Store.(*FSStore)
			if _, err := fst.Root().Open("../x"); err == nil {
				t.Error("os.Root opened ../x")
			}
			for _, k := range []string{"../x", "../../etc/passwd", "/etc/passwd", "ab/../../x", "CON"} {
				if err := fst.Put(context.Background(), k, strings.NewReader("x"), time.Now()); !errors.Is(err, ErrBadKey) {
					t.Errorf("Put(%q): %v", k, err)
				}
				if _, err := fst.Open(context.Background(), k); err == nil {
					t.Errorf("Open(%q) succeeded", k)
				}
			}
		}
	})
}

// Corrupted bytes are never served: Open fails, logs and audits.
func TestChecksumVerified(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f, err := e.ingest("p.jpg", encodeJPEG(t, photoLike(200, 100, 6), 80))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		good := e.read(f.ID, Original)
		thumb := e.read(f.ID, Thumb) // made now, from the intact original
		bad := append([]byte{}, good...)
		bad[len(bad)/2] ^= 0x55
		if e.dir != "" {
			if err := os.WriteFile(filepath.Join(e.dir, filepath.FromSlash(f.Key())), bad, 0o600); err != nil {
				t.Fatal(err)
			}
		} else if err := e.d.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE file_blobs SET data = $1 WHERE storage_key = $2`, bad, f.Key())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, rc, err := e.svc.Open(ctx, f.ID, Original)
		if !errors.Is(err, ErrCorrupt) || rc != nil {
			t.Fatalf("corrupt bytes: want ErrCorrupt and nothing to read, got %v", err)
		}
		var n int
		if err := e.d.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'file.corrupt' AND object_id = $1`,
			fmt.Sprint(f.ID)).Scan(&n); err != nil || n != 1 {
			t.Errorf("corruption audited %d times, %v", n, err)
		}
		// The thumbnail has its own checksum and is still intact.
		if !bytes.Equal(e.read(f.ID, Thumb), thumb) {
			t.Error("the intact thumbnail is no longer served")
		}
		// Missing bytes fail the same way.
		if err := e.svc.Store.Delete(ctx, f.ThumbKey()); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.Open(ctx, f.ID, Thumb); !errors.Is(err, ErrCorrupt) {
			t.Errorf("missing thumbnail: %v", err)
		}
	})
}

// I4: a crash between storing the bytes and committing the row leaves
// orphaned bytes and no row; the sweeper removes them after the grace
// period, never before, and never touches a file with a row.
func TestOrphansSwept(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		kept, err := e.ingest("kept.jpg", encodeJPEG(t, photoLike(120, 90, 7), 80))
		if err != nil {
			t.Fatal(err)
		}
		crash := errors.New("simulated crash before commit")
		SetAfterStoreHook(func() error { return crash })
		_, err = e.ingest("lost.jpg", encodeJPEG(t, photoLike(120, 90, 8), 80))
		SetAfterStoreHook(nil)
		if !errors.Is(err, crash) {
			t.Fatalf("want the crash, got %v", err)
		}
		if e.rows() != 1 {
			t.Fatalf("%d rows, want only the kept file", e.rows())
		}
		// The kept photo's deferred check makes its thumbnail; the lost
		// one has no row, so nothing was scheduled for it.
		if n := e.runJobs(); n != 1 {
			t.Fatalf("%d jobs ran, want the kept photo's check", n)
		}
		if got := len(e.stored()); got != 3 {
			t.Fatalf("%d keys stored, want 3 (the kept photo with its thumbnail, the lost one)", got)
		}
		// Every row points to bytes that exist.
		assertRowsHaveBytes(t, e)
		if n, err := e.svc.Sweep(ctx, time.Hour); err != nil || n != 0 {
			t.Fatalf("sweep within the grace period removed %d, %v", n, err)
		}
		e.clock.Advance(2 * time.Hour)
		if n, err := e.svc.Sweep(ctx, time.Hour); err != nil || n != 1 {
			t.Fatalf("sweep after the grace period removed %d (want 1), %v", n, err)
		}
		if got := len(e.stored()); got != 2 {
			t.Errorf("%d keys left, want the kept photo and its thumbnail", got)
		}
		assertRowsHaveBytes(t, e)
		if len(e.read(kept.ID, Original)) == 0 || len(e.read(kept.ID, Thumb)) == 0 {
			t.Error("kept file unreadable after the sweep")
		}
		if n, err := e.svc.Sweep(ctx, time.Hour); err != nil || n != 0 {
			t.Errorf("second sweep removed %d, %v", n, err)
		}
	})
}

// A crash inside FSStore.Put leaves a temporary file, which the sweeper
// removes too.
func TestSweepRemovesUnfinishedWrites(t *testing.T) {
	dir := t.TempDir()
	fst, err := NewFSStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer fst.Close()
	if err := os.MkdirAll(filepath.Join(dir, "ab"), 0o700); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "ab", TmpPrefix+"0011223344556677")
	if err := os.WriteFile(tmp, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-48 * time.Hour)
	_ = os.Chtimes(tmp, old, old)
	var keys []string
	_ = fst.List(context.Background(), time.Now().Add(-time.Hour), func(k string) error { keys = append(keys, k); return nil })
	if len(keys) != 1 {
		t.Fatalf("listed %v", keys)
	}
	if err := fst.Delete(context.Background(), keys[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, fs.ErrNotExist) {
		t.Error("temporary file not removed")
	}
}

func assertRowsHaveBytes(t *testing.T, e *env) {
	t.Helper()
	rows, err := e.d.R().QueryContext(context.Background(), `SELECT id FROM files`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		e.read(id, Original)
	}
}

// The plane-by-plane rotation of decoded photos agrees with the generic
// one for every orientation, odd sizes included.
func TestOrientYCbCrMatchesGeneric(t *testing.T) {
	for _, size := range []image.Point{{48, 32}, {47, 33}} {
		dec, err := jpeg.Decode(bytes.NewReader(encodeJPEG(t, quadrant(size.X, size.Y), 95)))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := dec.(*image.YCbCr); !ok {
			t.Fatalf("decoded %T", dec)
		}
		for o := 1; o <= 8; o++ {
			fast := Orient(dec, o)
			slow := Orient(image.Image(struct{ image.Image }{dec}), o)
			if fast.Bounds().Size() != slow.Bounds().Size() {
				t.Fatalf("%v o=%d: %v vs %v", size, o, fast.Bounds(), slow.Bounds())
			}
			r := fast.Bounds()
			for y := r.Min.Y; y < r.Max.Y; y += 3 {
				for x := r.Min.X; x < r.Max.X; x += 3 {
					a, _, _, _ := fast.At(x, y).RGBA()
					b, _, _, _ := slow.At(x, y).RGBA()
					if d := int(a>>8) - int(b>>8); d > 40 || d < -40 {
						t.Fatalf("%v o=%d: (%d,%d) red %d vs %d", size, o, x, y, a>>8, b>>8)
					}
				}
			}
		}
	}
}

// A JPEG cut short anywhere in its scan (an upload interrupted, an export
// not finished) is refused by the upload itself, with a Chinese message
// that says so, and leaves nothing behind.
func TestTruncatedJPEGRefusedOnUpload(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		jpg := withSegments(encodeJPEG(t, photoLike(400, 300, 11), 85), exifSegment(1, true))
		start := scanData(t, jpg)
		for _, cut := range []int{start + 1, start + (len(jpg)-start)/3, len(jpg) - 100, len(jpg) - 2} {
			_, err := e.ingest("cut.jpg", jpg[:cut])
			if core.ErrorCode(err) != core.EINVALID || core.ErrorField(err) != "file" ||
				!strings.Contains(core.ErrorMessage(err), "截断") {
				t.Errorf("cut at %d of %d: want EINVALID naming the truncation, got %v", cut, len(jpg), err)
			}
		}
		if e.rows() != 0 || len(e.stored()) != 0 || e.runJobs() != 0 {
			t.Error("a refused upload left a row, bytes or a job")
		}
	})
}

// A JPEG whose structure is sound but whose entropy-coded data does not
// decode is accepted by the upload (only a full decode can tell), then the
// deferred check marks it damaged: audited, the uploader notified once,
// and neither original nor thumbnail served any more.
func TestDamagedPhotoFoundByJob(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		bad := corruptScan(t, encodeJPEG(t, photoLike(400, 300, 12), 85))
		if _, err := jpeg.Decode(bytes.NewReader(bad)); err == nil {
			t.Fatal("test photo decodes; it should not")
		}
		uploader := orgtest.Actor(t, e.d, core.RoleLiaison, 0)
		f, err := e.svc.Ingest(ctx, uploader, "现场.jpg", bytes.NewReader(bad), Photo)
		if err != nil {
			t.Fatalf("a structurally sound photo should be accepted on upload: %v", err)
		}
		if f.Check != CheckPending || !f.HasThumb {
			t.Fatalf("check %q, has_thumb %v right after upload", f.Check, f.HasThumb)
		}
		if n := e.runJobs(); n != 1 {
			t.Fatalf("%d jobs ran, want the photo's check", n)
		}
		got, err := e.svc.Get(ctx, f.ID)
		if err != nil || got.Check != CheckDamaged || got.HasThumb {
			t.Fatalf("after the check: %+v, %v", got, err)
		}
		for _, v := range []Variant{Original, Thumb} {
			_, rc, err := e.svc.Open(ctx, f.ID, v)
			if rc != nil || !errors.Is(err, ErrDamaged) || core.ErrorCode(err) != core.ECONFLICT ||
				!strings.Contains(core.ErrorMessage(err), "损坏") {
				t.Errorf("variant %d of a damaged photo: %v", v, err)
			}
		}
		// Checking again (a job run twice, a page opening the thumbnail)
		// records and tells nothing more.
		if _, err := e.svc.Verify(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		var audits, notes int
		var title string
		if err := e.d.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'file.damaged' AND object_id = $1`,
			fmt.Sprint(f.ID)).Scan(&audits); err != nil {
			t.Fatal(err)
		}
		if err := e.d.R().QueryRowContext(ctx, `SELECT COUNT(*), MAX(title) FROM notifications
			WHERE user_id = $1 AND kind = 'file.damaged'`, uploader.UserID).Scan(&notes, &title); err != nil {
			t.Fatal(err)
		}
		if audits != 1 || notes != 1 || title != "照片已损坏，请重新上传" {
			t.Errorf("%d audit rows, %d notifications (%q), want one each", audits, notes, title)
		}
	})
}

// The thumbnail of a photo whose check has not run yet is made when it is
// first opened, so pages never wait on the job; the job then has nothing
// left to do.
func TestThumbnailMadeOnDemand(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f, err := e.ingest("p.jpg", encodeJPEG(t, photoLike(800, 600, 13), 85))
		if err != nil {
			t.Fatal(err)
		}
		if f.Check != CheckPending || len(e.stored()) != 1 {
			t.Fatalf("right after upload: check %q, %d keys stored", f.Check, len(e.stored()))
		}
		th, err := jpeg.DecodeConfig(bytes.NewReader(e.read(f.ID, Thumb)))
		if err != nil || th.Width != DefaultLimits.ThumbSize || th.Height != 240 {
			t.Fatalf("thumbnail %+v, %v", th, err)
		}
		got, err := e.svc.Get(ctx, f.ID)
		if err != nil || got.Check != CheckVerified {
			t.Fatalf("after the thumbnail was made: %+v, %v", got, err)
		}
		if e.runJobs() != 1 || len(e.stored()) != 2 {
			t.Errorf("the job should run once and store nothing more: %d keys", len(e.stored()))
		}
		again, err := e.svc.Get(ctx, f.ID)
		if err != nil || again.Check != CheckVerified || len(e.read(f.ID, Thumb)) == 0 {
			t.Errorf("after the job: %+v, %v", again, err)
		}
	})
}

// Without a job queue nothing would run the deferred check, so the
// upload decodes in full and refuses a damaged photo itself.
func TestNoQueueChecksInFull(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		st := NewDBStore(d)
		svc := &Service{DB: d, Store: st, Clock: core.NewFakeClock(time.Now()), Log: testkit.Logger(io.Discard)}
		jpg := encodeJPEG(t, photoLike(320, 200, 14), 85)
		if _, err := svc.Ingest(context.Background(), liaison, "bad.jpg", bytes.NewReader(corruptScan(t, jpg))); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("damaged photo without a queue: %v", err)
		}
		f, err := svc.Ingest(context.Background(), liaison, "good.jpg", bytes.NewReader(jpg))
		if err != nil || f.Check != CheckVerified || f.ThumbKey() == "" {
			t.Fatalf("good photo without a queue: %+v, %v", f, err)
		}
	})
}

// The structural check agrees with the decoder on the JPEGs of Go's own
// image tests: baseline, progressive, restart intervals, grey, CMYK, every
// chroma subsampling. A photo a phone or camera writes is never refused by
// the walk when it decodes.
func TestStructuralCheckAcceptsWhatDecodes(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(runtime.GOROOT(), "src", "image", "testdata", "*.jpeg"))
	if len(files) < 10 {
		t.Skip("Go's image test data is not installed")
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		_, derr := jpeg.Decode(bytes.NewReader(b))
		_, werr := StripJPEG(b)
		if (derr == nil) != (werr == nil) {
			t.Errorf("%s: decode %v, structural check %v", filepath.Base(name), derr, werr)
		}
		// Cut anywhere after the headers, each is refused by the walk.
		start := scanData(t, b)
		for cut := start; cut < len(b)-1; cut += max(1, (len(b)-start)/9) {
			if _, err := StripJPEG(b[:cut]); err == nil {
				t.Errorf("%s cut at %d of %d: accepted", filepath.Base(name), cut, len(b))
			}
		}
	}
}

// E2: one user's uploads are bounded per 24 hours; a refused upload stores
// nothing, another user is not affected, and the quota frees up a day later.
func TestDailyQuota(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if err := e.d.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO users (id, username, display_name, role, password_hash,
				password_changed_at, created_at, updated_at) VALUES (41, 'q1', '甲', 'liaison', 'x', 0, 0, 0),
				(42, 'q2', '乙', 'liaison', 'x', 0, 0, 0)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		one, two := &core.Actor{UserID: 41, Role: core.RoleLiaison}, &core.Actor{UserID: 42, Role: core.RoleLiaison}
		doc := minimalPDF()
		e.svc.Limits = Limits{DailyBytes: int64(2*len(doc) + len(doc)/2)}
		for i := range 2 {
			if _, err := e.svc.Ingest(ctx, one, "总结.pdf", bytes.NewReader(doc)); err != nil {
				t.Fatalf("upload %d within the quota: %v", i+1, err)
			}
		}
		rows, keys := e.rows(), len(e.stored())
		_, err := e.svc.Ingest(ctx, one, "总结.pdf", bytes.NewReader(doc))
		if core.ErrorCode(err) != core.ETOOLARGE || !isChinese(core.ErrorMessage(err)) {
			t.Fatalf("third upload: want ETOOLARGE with a Chinese message, got %v", err)
		}
		if e.rows() != rows || len(e.stored()) != keys {
			t.Error("a refused upload left something behind")
		}
		if _, err := e.svc.Ingest(ctx, two, "总结.pdf", bytes.NewReader(doc)); err != nil {
			t.Fatalf("another user: %v", err)
		}
		e.clock.Advance(24*time.Hour + time.Second)
		if _, err := e.svc.Ingest(ctx, one, "总结.pdf", bytes.NewReader(doc)); err != nil {
			t.Fatalf("a day later: %v", err)
		}
	})
}
