package file

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"liandong/internal/db"
)

// Store holds the bytes of files under server-generated keys ("ab/ab12…",
// lower-case hex, one slash). Put is durable when it returns: the caller
// inserts the row that points to the key only afterwards.
type Store interface {
	// Put stores r under key, stamped with at (the time the sweeper's
	// grace period counts from). An existing key is an error.
	Put(ctx context.Context, key string, r io.Reader, at time.Time) error
	// Open returns the bytes stored under key.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn with every key (including unfinished writes) stored
	// before the given time, for the sweeper.
	List(ctx context.Context, before time.Time, fn func(key string) error) error
}

// ErrBadKey is returned for a key that is not one the service generates.
var ErrBadKey = errors.New("file: invalid storage key")

// validKey accepts only keys of the service's own form, so that no name
// from outside can ever reach a path: "xx/" + 32 hex digits, optionally
// with the thumbnail suffix.
func validKey(key string) bool {
	k := strings.TrimSuffix(key, thumbSuffix)
	if len(k) != 35 || k[2] != '/' || k[:2] != k[3:5] {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if i == 2 {
			continue
		}
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// FSStore keeps files in a directory, opened as an os.Root so that no
// path can leave it (SECURITY.md E4). It must not be inside a directory
// served as static files.
type FSStore struct {
	root *os.Root
	dir  string
}

// NewFSStore opens (creating it if needed) the directory dir as a store.
func NewFSStore(dir string) (*FSStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("file: store dir: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("file: store dir: %w", err)
	}
	return &FSStore{root: root, dir: dir}, nil
}

// Close releases the directory.
func (s *FSStore) Close() error { return s.root.Close() }

// tmpPrefix starts the names of unfinished writes; the sweeper removes
// the ones a crash left behind.
const tmpPrefix = ".tmp-"

// Put writes a temporary file, fsyncs it, renames it into place and fsyncs
// the directory, so that the file survives a crash once Put returns
// (SECURITY.md I4).
func (s *FSStore) Put(ctx context.Context, key string, r io.Reader, at time.Time) (err error) {
	if !validKey(key) {
		return ErrBadKey
	}
	dir := path.Dir(key)
	if err := s.root.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if _, err := s.root.Stat(key); err == nil {
		return fmt.Errorf("file: key %s exists", key)
	}
	rb := make([]byte, 8)
	_, _ = rand.Read(rb)
	tmp := dir + "/" + tmpPrefix + hex.EncodeToString(rb)
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = s.root.Remove(tmp)
		}
	}()
	if _, err = io.Copy(f, r); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = s.root.Chtimes(tmp, at, at); err != nil {
		return err
	}
	if err = s.root.Rename(tmp, key); err != nil {
		return err
	}
	return s.syncDir(dir)
}

func (s *FSStore) syncDir(dir string) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Open opens the file stored under key.
func (s *FSStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if !validKey(key) {
		return nil, ErrBadKey
	}
	return s.root.Open(key)
}

// Delete removes the file stored under key (or an unfinished write).
func (s *FSStore) Delete(ctx context.Context, key string) error {
	if !validKey(key) && !isTmp(key) {
		return ErrBadKey
	}
	err := s.root.Remove(key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func isTmp(key string) bool {
	dir, name := path.Split(key)
	return len(dir) == 3 && strings.HasPrefix(name, tmpPrefix) && !strings.Contains(name, "..")
}

// List walks the store for keys and unfinished writes last modified before
// the given time.
func (s *FSStore) List(ctx context.Context, before time.Time, fn func(key string) error) error {
	return fs.WalkDir(s.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !(validKey(p) || isTmp(p)) {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if info.ModTime().Before(before) {
			return fn(p)
		}
		return nil
	})
}

// DBStore keeps files in the database table file_blobs, so that several
// instances can share PostgreSQL alone. Each Put commits its own
// transaction before it returns.
type DBStore struct {
	DB *db.DB
}

// NewDBStore returns a store in d's file_blobs table.
func NewDBStore(d *db.DB) *DBStore { return &DBStore{DB: d} }

// Put inserts the bytes in a transaction of their own.
func (s *DBStore) Put(ctx context.Context, key string, r io.Reader, at time.Time) error {
	if !validKey(key) {
		return ErrBadKey
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO file_blobs (storage_key, data, created_at) VALUES ($1, $2, $3)`,
			key, data, at.Unix())
		return db.Normalize(err)
	})
}

// Open reads the bytes stored under key.
func (s *DBStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	var data []byte
	err := s.DB.R().QueryRowContext(ctx, `SELECT data FROM file_blobs WHERE storage_key = $1`, key).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("file: %s: %w", key, fs.ErrNotExist)
	}
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// Delete removes the bytes stored under key.
func (s *DBStore) Delete(ctx context.Context, key string) error {
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM file_blobs WHERE storage_key = $1`, key)
		return err
	})
}

// List calls fn with the keys stored before the given time. The keys are
// read first and fn called afterwards, so that fn may delete.
func (s *DBStore) List(ctx context.Context, before time.Time, fn func(key string) error) error {
	rows, err := s.DB.R().QueryContext(ctx, `SELECT storage_key FROM file_blobs WHERE created_at < $1
		ORDER BY storage_key`, before.Unix())
	if err != nil {
		return err
	}
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return err
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, k := range keys {
		if err := fn(k); err != nil {
			return err
		}
	}
	return nil
}
