package file_test

import (
	"bytes"
	"image/jpeg"
	"testing"

	. "liandong/internal/file"
)

// FuzzJPEGMetadata feeds arbitrary bytes to the hand-written EXIF reader
// and the structural check that strips metadata: they must never panic,
// the orientation is always 1–8, and a stripped JPEG never keeps an APP1
// segment, passes the check again unchanged, and still decodes when the
// input did.
func FuzzJPEGMetadata(f *testing.F) {
	plain := encodeJPEG(f, photoLike(24, 16, 1), 80)
	f.Add(plain)
	for o := 0; o <= 8; o++ {
		f.Add(withSegments(plain, exifSegment(o, o%2 == 0)))
	}
	seg := exifSegment(6, true)
	f.Add(withSegments(plain, seg[:len(seg)/2]))
	big := append([]byte{}, seg...)
	big[11] = 'M' // byte order mark spoiled
	f.Add(withSegments(plain, big))
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x08Exif\x00\x00"))
	f.Add([]byte("\xff\xd8\xff\xda\x00\x02\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if o := ExifOrientation(b); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
		out, err := StripJPEG(b)
		if err != nil {
			return
		}
		if !bytes.HasPrefix(out, []byte{0xFF, 0xD8}) || !bytes.HasSuffix(out, []byte{0xFF, 0xD9}) {
			t.Fatal("stripped output is not framed by SOI and EOI")
		}
		if ExifOrientation(out) != 1 {
			t.Fatal("stripped output still has an orientation")
		}
		// What is stored passes the structural check again, unchanged.
		if again, err := StripJPEG(out); err != nil || !bytes.Equal(again, out) {
			t.Fatalf("stripped output fails the structural check or changes again: %v", err)
		}
		if _, err := jpeg.Decode(bytes.NewReader(b)); err == nil {
			if _, err := jpeg.Decode(bytes.NewReader(out)); err != nil {
				t.Fatalf("input decodes, stripped output does not: %v", err)
			}
		}
	})
}
