package file

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/job"
	"liandong/internal/notify"
)

// KindVerify is the job that decodes an upright JPEG accepted by its
// structure, stores its thumbnail and marks it verified or damaged. Its
// key is "file:<id>".
const KindVerify = "file.verify"

func verifyKey(id int64) string { return "file:" + strconv.FormatInt(id, 10) }

// ErrDamaged is wrapped by the error Open returns for a photo that was
// accepted by its structure and then did not decode: callers that gather
// many files (a ZIP export) can tell it from a failure of the store.
var ErrDamaged = errors.New("file: photo is damaged")

func damaged() error {
	return &core.Error{Code: core.ECONFLICT, Field: "file",
		Message: "照片已损坏（无法完整解码），不能打开，请上传者重新上传", Err: ErrDamaged}
}

// Register makes q run the "file.verify" jobs Ingest schedules. Every
// instance registers it at start-up.
func (s *Service) Register(q *job.Queue) {
	q.Handle(KindVerify, func(ctx context.Context, j job.Job) error {
		id, err := strconv.ParseInt(strings.TrimPrefix(j.Key, "file:"), 10, 64)
		if err != nil || !strings.HasPrefix(j.Key, "file:") {
			return fmt.Errorf("file: verify: bad job key %q", j.Key)
		}
		f, err := s.Get(ctx, id)
		if core.ErrorCode(err) == core.ENOTFOUND {
			return nil // nothing left to check
		}
		if err != nil {
			return err
		}
		_, err = s.verify(ctx, f)
		return err
	})
}

// Verify runs the deferred check of file id now, if it is still pending,
// and returns the file as it then is (Check verified or damaged). The job
// and the first Open of a thumbnail call it; it is idempotent.
func (s *Service) Verify(ctx context.Context, id int64) (*File, error) {
	f, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.verify(ctx, f)
}

// verify decodes a pending photo in full. On success its thumbnail is
// stored and the row marked verified; when it does not decode, the row is
// marked damaged, audited as "file.damaged" and the uploader notified, in
// one transaction. A job and a page may verify one file at once: decoding
// is deterministic, so both make the same thumbnail, and the row changes
// only while it is pending.
func (s *Service) verify(ctx context.Context, f *File) (*File, error) {
	if f.Check != CheckPending {
		return f, nil
	}
	data, err := s.readChecked(ctx, f, f.key, f.SHA256)
	if err != nil {
		return nil, err
	}
	thumb, err := decodeStored(data, f.Width, f.Height, s.limits())
	if errors.Is(err, errUndecodable) {
		return s.markDamaged(ctx, f, err)
	}
	if err != nil {
		return nil, err
	}
	if err := s.Store.Put(ctx, f.thumbKey, bytes.NewReader(thumb), s.now()); err != nil {
		// Another verify stored it first: use what is there.
		existing, oerr := s.readStored(ctx, f.thumbKey)
		if oerr != nil {
			return nil, fmt.Errorf("file %d: store thumbnail: %w", f.ID, err)
		}
		thumb = existing
	}
	ts := sha256.Sum256(thumb)
	sum := hex.EncodeToString(ts[:])
	err = s.DB.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE files SET checked = 'verified', thumb_sha256 = $1
			WHERE id = $2 AND checked = 'pending'`, sum, f.ID)
		return db.Normalize(err)
	})
	if err != nil {
		return nil, fmt.Errorf("file %d: mark verified: %w", f.ID, err)
	}
	return s.Get(ctx, f.ID)
}

func (s *Service) readStored(ctx context.Context, key string) ([]byte, error) {
	rc, err := s.Store.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, s.limits().MaxBytes+1))
}

// markDamaged records that a pending photo does not decode. Its original
// stays stored (the uploader or an administrator may want to look at what
// arrived) but is no longer served, and it has no thumbnail.
func (s *Service) markDamaged(ctx context.Context, f *File, cause error) (*File, error) {
	s.log().Warn("uploaded photo does not decode", "file_id", f.ID, "err", cause.Error())
	now := s.now()
	err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE files SET checked = 'damaged', thumb_key = '', thumb_sha256 = ''
			WHERE id = $1 AND checked = 'pending'`, f.ID)
		if err != nil {
			return db.Normalize(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // another verify got there first
		}
		if err := audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "file.damaged", ObjectType: "file",
			ObjectID: f.ID, Outcome: audit.Failure, Detail: f.Name + ": " + cause.Error()}); err != nil {
			return err
		}
		if s.Notify == nil || f.CreatedBy == 0 {
			return nil
		}
		return s.Notify.Send(ctx, tx, notify.Note{
			To:    notify.Recipients{Users: []int64{f.CreatedBy}},
			Kind:  "file.damaged",
			Title: "照片已损坏，请重新上传",
			Body: fmt.Sprintf("您于 %s 上传的照片“%s”无法完整解码，已标记为损坏，不会提供给他人查看或下载。请在原报告或材料中删除该照片，重新导出后再上传。",
				audit.FormatTime(f.CreatedAt), f.Name),
			Key: "file.damaged:" + strconv.FormatInt(f.ID, 10),
		})
	})
	if err != nil {
		return nil, fmt.Errorf("file %d: mark damaged: %w", f.ID, err)
	}
	return s.Get(ctx, f.ID)
}
