package file

import "os"

// Internals the external tests (package file_test, which may import
// testkit) need to see.
var (
	Check             = check
	Orient            = orient
	ExifOrientation   = exifOrientation
	StripJPEG         = stripJPEG
	MainDOCX          = mainDOCX
	TmpPrefix         = tmpPrefix
	ValidKey          = validKey
	SetAfterStoreHook = func(f func() error) { afterStore = f }
)

// Key and ThumbKey return where the file's bytes are stored.
func (f *File) Key() string      { return f.key }
func (f *File) ThumbKey() string { return f.thumbKey }

// Root returns the store's os.Root.
func (s *FSStore) Root() *os.Root { return s.root }
