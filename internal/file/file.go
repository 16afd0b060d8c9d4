// Package file keeps uploaded files: photos and attachments of progress
// reports and data-call submissions. It checks each upload by its content,
// re-encodes photos without their metadata, and stores the bytes behind one
// interface (the filesystem under --data, or the database) with a checksum
// that is verified whenever a file is served.
//
// Who may read a file is decided by the report or data call that holds it;
// this package does no scope checks, it only records who uploaded a file
// and for which unit.
package file

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/job"
	"liandong/internal/notify"
)

// Kind is what a file is used as: a photo (JPEG or PNG, re-encoded) or a
// document attachment (PDF, DOCX, XLSX, kept as uploaded).
type Kind string

// The kinds of files.
const (
	Photo    Kind = "photo"
	Document Kind = "document"
)

// File is the stored description of one uploaded file.
type File struct {
	ID          int64  `json:"id"`
	Kind        Kind   `json:"kind"`
	Name        string `json:"name"` // uploader's name, display only; never a path
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	// HasThumb says a thumbnail can be opened: every photo that is not
	// damaged (a pending photo's thumbnail is made when first opened).
	HasThumb  bool      `json:"has_thumb"`
	UnitID    int64     `json:"unit_id,omitempty"`
	CreatedBy int64     `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// Check is how far the content has been checked: CheckVerified,
	// CheckPending (an upright JPEG whose full decode is still to come) or
	// CheckDamaged (it did not decode; its original is no longer served).
	Check string `json:"check"`

	key, thumbKey, thumbSHA string
}

// The states of a file's check (files.checked).
const (
	CheckPending  = "pending"
	CheckVerified = "verified"
	CheckDamaged  = "damaged"
)

// Limits bound what Ingest accepts.
type Limits struct {
	MaxBytes  int64 // per file, as uploaded (10 MB)
	MaxPixels int64 // width × height of a photo (24 MP), checked before decoding
	ThumbSize int   // longest side of a thumbnail (320)
	// DailyBytes bounds what one user uploads in 24 hours (500 MB): a
	// deadline day's dozens of photos fit many times over, a script
	// filling the disk does not (SECURITY.md E2's per-user quota).
	DailyBytes int64
}

// DefaultLimits are the limits of SECURITY.md E2 and E3.
var DefaultLimits = Limits{MaxBytes: 10 << 20, MaxPixels: 24_000_000, ThumbSize: 320, DailyBytes: 500 << 20}

// Service saves, checks and serves files.
type Service struct {
	DB    *db.DB
	Store Store
	Clock core.Clock
	// Limits bound uploads; the zero value means DefaultLimits.
	Limits Limits
	// Log receives checksum failures; nil means slog.Default().
	Log *slog.Logger
	// Jobs runs the deferred full decode of upright JPEGs ("file.verify",
	// registered by Register). Nil means no deferral: Ingest decodes every
	// photo in full before storing it, as a service without a job worker
	// must.
	Jobs *job.Queue
	// Notify tells an uploader that a photo accepted earlier turned out
	// damaged; nil tells no one (the audit row is still written).
	Notify *notify.Service
}

func (s *Service) limits() Limits {
	l := s.Limits
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultLimits.MaxPixels
	}
	if l.ThumbSize <= 0 {
		l.ThumbSize = DefaultLimits.ThumbSize
	}
	if l.DailyBytes <= 0 {
		l.DailyBytes = DefaultLimits.DailyBytes
	}
	return l
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now().UTC()
	}
	return s.Clock.Now()
}

// afterStore is a test hook called after the bytes are stored and before
// the row is inserted: a failure there must leave only orphaned bytes for
// the sweeper, never a row without bytes (SECURITY.md I4).
var afterStore func() error

// MaxNameLen bounds the kept display name (in runes).
const MaxNameLen = 200

// Ingest checks an upload by its content (accept says which kinds are
// allowed; none means any), re-encodes photos (EXIF orientation applied,
// metadata stripped, JPEG), makes a thumbnail, stores the bytes durably and
// only then inserts the files row in a short transaction of its own, audited
// as "file.upload".
//
// An upright JPEG is checked here by its structure only, which costs a
// fraction of decoding it: its row is "pending" and the same transaction
// schedules the "file.verify" job that decodes it and makes its thumbnail
// (see Verify). Bad input is a *core.Error with a Chinese message on the
// field "file": EINVALID for a type that is not allowed or a broken file,
// ETOOLARGE for size or pixel count.
func (s *Service) Ingest(ctx context.Context, a *core.Actor, name string, r io.Reader, accept ...Kind) (*File, error) {
	lim := s.limits()
	if len(accept) == 0 {
		accept = []Kind{Photo, Document}
	}
	data, err := readLimited(r, lim.MaxBytes)
	if err != nil {
		return nil, err
	}
	if err := s.checkQuota(ctx, a, int64(len(data)), lim); err != nil {
		return nil, err
	}
	name = cleanName(name)
	c, err := check(data, name, accept, lim)
	if err != nil {
		return nil, err
	}
	if c.pending && s.Jobs == nil {
		// Nothing would run the deferred check: do it now.
		if c.thumb, err = decodeStored(c.data, c.width, c.height, lim); errors.Is(err, errUndecodable) {
			return nil, refuse("照片已损坏或无法识别，请重新导出后上传")
		} else if err != nil {
			return nil, err
		}
		c.pending = false
	}
	f := &File{Kind: c.kind, Name: c.name, ContentType: c.contentType, Size: int64(len(c.data)),
		Width: c.width, Height: c.height, CreatedAt: s.now().Truncate(time.Second), Check: CheckVerified}
	if a != nil {
		f.UnitID, f.CreatedBy = a.UnitID, a.UserID
	}
	sum := sha256.Sum256(c.data)
	f.SHA256 = hex.EncodeToString(sum[:])
	f.key = newKey()
	if err := s.Store.Put(ctx, f.key, bytes.NewReader(c.data), f.CreatedAt); err != nil {
		return nil, fmt.Errorf("file: store: %w", err)
	}
	if c.thumb != nil {
		f.thumbKey = f.key + thumbSuffix
		ts := sha256.Sum256(c.thumb)
		f.thumbSHA = hex.EncodeToString(ts[:])
		if err := s.Store.Put(ctx, f.thumbKey, bytes.NewReader(c.thumb), f.CreatedAt); err != nil {
			return nil, fmt.Errorf("file: store thumbnail: %w", err)
		}
		f.HasThumb = true
	}
	if c.pending {
		// The thumbnail's key is reserved now, its bytes and checksum come
		// with the full decode.
		f.Check, f.thumbKey, f.HasThumb = CheckPending, f.key+thumbSuffix, true
	}
	if afterStore != nil {
		if err := afterStore(); err != nil {
			return nil, err
		}
	}
	err = s.DB.InTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO files (storage_key, kind, name, content_type, size, sha256,
			width, height, thumb_key, thumb_sha256, unit_id, created_by, created_at, checked)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
			f.key, string(f.Kind), f.Name, f.ContentType, f.Size, f.SHA256, f.Width, f.Height,
			f.thumbKey, f.thumbSHA, nullID(f.UnitID), nullID(f.CreatedBy), f.CreatedAt.Unix(), f.Check).Scan(&f.ID); err != nil {
			return db.Normalize(err)
		}
		if f.Check == CheckPending {
			if err := s.Jobs.Schedule(ctx, tx, KindVerify, verifyKey(f.ID), f.CreatedAt, ""); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, s.DB.Engine, f.CreatedAt, audit.Event{Action: "file.upload", ObjectType: "file",
			ObjectID: f.ID, After: f, Detail: f.Name})
	})
	if err != nil {
		// The bytes stay for the sweeper: deleting them here could race
		// nothing, but a failed delete would leave the same orphan anyway.
		return nil, err
	}
	return f, nil
}

// checkQuota refuses an upload that would take its user past the daily
// quota. It is a soft bound: uploads running at the same moment may
// overshoot it by a few files, which is all a quota against filling the
// disk needs.
func (s *Service) checkQuota(ctx context.Context, a *core.Actor, size int64, lim Limits) error {
	if a == nil || a.UserID == 0 {
		return nil
	}
	var used int64
	since := s.now().Add(-24 * time.Hour).Unix()
	if err := s.DB.R().QueryRowContext(ctx, `SELECT COALESCE(SUM(size), 0) FROM files
		WHERE created_by = $1 AND created_at >= $2`, a.UserID, since).Scan(&used); err != nil {
		return db.Normalize(err)
	}
	if used+size > lim.DailyBytes {
		return &core.Error{Code: core.ETOOLARGE, Field: "file",
			Message: fmt.Sprintf("24 小时内上传已达上限（%d MB），请稍后再传，或与办公室联系", lim.DailyBytes>>20)}
	}
	return nil
}

// thumbSuffix ends the key of a thumbnail: the sweeper finds the row of a
// thumbnail by its original's key, which is unique-indexed.
const thumbSuffix = ".t"

func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:2] + "/" + h
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// readLimited reads all of r, failing with ETOOLARGE past max bytes.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, max+1))
	if err != nil {
		var ce *core.Error
		if errors.As(err, &ce) {
			return nil, err
		}
		return nil, &core.Error{Code: core.EINVALID, Field: "file", Message: "文件上传未完成，请重新上传", Err: err}
	}
	if n > max {
		return nil, tooLarge(max)
	}
	if n == 0 {
		return nil, &core.Error{Code: core.EINVALID, Field: "file", Message: "文件是空的，请选择有内容的文件"}
	}
	return buf.Bytes(), nil
}

func tooLarge(max int64) *core.Error {
	return &core.Error{Code: core.ETOOLARGE, Field: "file", Message: fmt.Sprintf("文件超过 %d MB 的大小限制", max>>20)}
}

// cleanName keeps the uploader's name for display only: the last path
// element, without control characters, bounded in length.
func cleanName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	name = strings.TrimSpace(name)
	if rs := []rune(name); len(rs) > MaxNameLen {
		name = string(rs[len(rs)-MaxNameLen:])
	}
	if name == "" || name == "." || name == ".." {
		name = "file"
	}
	return name
}

const selectFile = `SELECT id, storage_key, kind, name, content_type, size, sha256, width, height, thumb_key, thumb_sha256,
	COALESCE(unit_id, 0), COALESCE(created_by, 0), created_at, checked FROM files`

func scanFile(row interface{ Scan(...any) error }) (*File, error) {
	var f File
	var kind string
	var w, h, at int64
	if err := row.Scan(&f.ID, &f.key, &kind, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &w, &h,
		&f.thumbKey, &f.thumbSHA, &f.UnitID, &f.CreatedBy, &at, &f.Check); err != nil {
		return nil, err
	}
	f.Kind, f.Width, f.Height = Kind(kind), int(w), int(h)
	f.HasThumb = f.thumbKey != ""
	f.CreatedAt = time.Unix(at, 0).UTC()
	return &f, nil
}

// Get returns the file's description; ENOTFOUND when there is none.
func (s *Service) Get(ctx context.Context, id int64) (*File, error) {
	f, err := scanFile(s.DB.R().QueryRowContext(ctx, selectFile+` WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.NotFound("文件")
	}
	if err != nil {
		return nil, fmt.Errorf("file: get: %w", err)
	}
	return f, nil
}

// GetMany returns the files with the given ids that exist, by id.
func (s *Service) GetMany(ctx context.Context, ids []int64) (map[int64]*File, error) {
	out := make(map[int64]*File, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	// The ids travel as one JSON argument, so the SQL text stays constant
	// whatever their number.
	q := selectFile + ` WHERE id IN (SELECT value FROM json_each($1))`
	if s.DB.Engine == db.Postgres {
		q = selectFile + ` WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint)`
	}
	rows, err := s.DB.R().QueryContext(ctx, q, string(list))
	if err != nil {
		return nil, fmt.Errorf("file: get many: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, fmt.Errorf("file: get many: %w", err)
		}
		out[f.ID] = f
	}
	return out, rows.Err()
}

// Variant selects the original bytes or the thumbnail.
type Variant int

// The variants of a stored file.
const (
	Original Variant = iota
	Thumb
)

// ErrCorrupt is wrapped by the error Open returns when stored bytes no
// longer match their checksum.
var ErrCorrupt = errors.New("file: stored bytes do not match their checksum")

// Open returns the bytes after verifying the stored checksum: a mismatch is
// an error, logged and audited, and the bytes are never served.
//
// The thumbnail of a photo still pending its full decode is made now
// (Verify), so that no page waits on the job. A damaged photo is refused,
// original and thumbnail alike: ECONFLICT with a Chinese message, wrapping
// ErrDamaged.
func (s *Service) Open(ctx context.Context, id int64, v Variant) (*File, io.ReadCloser, error) {
	f, err := s.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if v == Thumb && f.Check == CheckPending {
		if f, err = s.verify(ctx, f); err != nil {
			return nil, nil, err
		}
	}
	if f.Check == CheckDamaged {
		return nil, nil, damaged()
	}
	key, want := f.key, f.SHA256
	if v == Thumb {
		if !f.HasThumb {
			return nil, nil, core.NotFound("缩略图")
		}
		key, want = f.thumbKey, f.thumbSHA
	}
	data, err := s.readChecked(ctx, f, key, want)
	if err != nil {
		return nil, nil, err
	}
	if v == Thumb {
		g := *f
		g.ContentType, g.Size = "image/jpeg", int64(len(data))
		f = &g
	}
	return f, io.NopCloser(bytes.NewReader(data)), nil
}

// readChecked reads the bytes under key whole and verifies them against
// want; a mismatch or missing bytes are logged and audited as corrupt.
func (s *Service) readChecked(ctx context.Context, f *File, key, want string) ([]byte, error) {
	rc, err := s.Store.Open(ctx, key)
	if err != nil {
		s.corrupt(ctx, f, key, err)
		return nil, fmt.Errorf("file %d: %w: %w", f.ID, ErrCorrupt, err)
	}
	defer rc.Close()
	// Files are at most Limits.MaxBytes; reading them whole is what lets
	// the checksum be verified before the first byte is sent.
	data, err := io.ReadAll(io.LimitReader(rc, s.limits().MaxBytes*2+1))
	if err != nil {
		return nil, fmt.Errorf("file %d: read: %w", f.ID, err)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != want {
		s.corrupt(ctx, f, key, nil)
		return nil, fmt.Errorf("file %d: %w", f.ID, ErrCorrupt)
	}
	return data, nil
}

func (s *Service) corrupt(ctx context.Context, f *File, key string, cause error) {
	msg := "checksum mismatch"
	if cause != nil {
		msg = cause.Error()
	}
	s.log().Error("file corrupt or missing", "file_id", f.ID, "key", key, "err", msg)
	_ = audit.Log(ctx, s.DB, s.now(), audit.Event{Action: "file.corrupt", ObjectType: "file", ObjectID: f.ID,
		Outcome: audit.Failure, Detail: msg})
}

// Sweep removes stored bytes that have no files row and were stored more
// than grace ago (SECURITY.md I4), and returns how many it removed. The
// grace period covers uploads whose row is about to be committed.
func (s *Service) Sweep(ctx context.Context, grace time.Duration) (int, error) {
	cutoff := s.now().Add(-grace)
	var keys []string
	if err := s.Store.List(ctx, cutoff, func(key string) error {
		keys = append(keys, key)
		return nil
	}); err != nil {
		return 0, fmt.Errorf("file: sweep: list: %w", err)
	}
	n := 0
	for _, key := range keys {
		base := strings.TrimSuffix(key, thumbSuffix)
		var one int
		err := s.DB.R().QueryRowContext(ctx, `SELECT 1 FROM files WHERE storage_key = $1`, base).Scan(&one)
		if err == nil {
			continue
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return n, fmt.Errorf("file: sweep: %w", err)
		}
		if err := s.Store.Delete(ctx, key); err != nil {
			return n, fmt.Errorf("file: sweep: delete %s: %w", key, err)
		}
		n++
	}
	if n > 0 {
		s.log().Info("swept orphaned file bytes", "removed", n)
	}
	return n, nil
}

// ParseKinds reads the kind an upload asks for (from the query or a form
// field, the first one given): photo or document; none accepts both.
func ParseKinds(vals ...string) ([]Kind, error) {
	for _, v := range vals {
		switch v {
		case "":
		case string(Photo):
			return []Kind{Photo}, nil
		case string(Document):
			return []Kind{Document}, nil
		default:
			return nil, core.Invalid("kind", "文件类别只能是 photo（照片）或 document（文档）")
		}
	}
	return nil, nil
}
