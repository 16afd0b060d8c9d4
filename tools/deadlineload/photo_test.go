package main

import (
	"bytes"
	"crypto/sha256"
	"image"
	"image/jpeg"
	"testing"
)

// The assembled photos are valid JPEGs of the full size, ~300 KB, all
// different, and show the base picture outside their band and their own
// noise inside it.
func TestPhotosDecodeAndDiffer(t *testing.T) {
	ps, err := newPhotoSet()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[32]byte]int{}
	for n := range 12 {
		p, err := ps.make(n)
		if err != nil {
			t.Fatal(err)
		}
		b := ps.bytes(p)
		if len(b) != ps.size(p) {
			t.Fatalf("photo %d: %d bytes, size says %d", n, len(b), ps.size(p))
		}
		t.Logf("photo %d: %d KB", n, len(b)>>10)
		if len(b) < 200<<10 || len(b) > 400<<10 {
			t.Errorf("photo %d is %d KB, want ~300 KB", n, len(b)>>10)
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("photo %d does not decode: %v", n, err)
		}
		if img.Bounds() != image.Rect(0, 0, photoW, photoH) {
			t.Fatalf("photo %d is %v", n, img.Bounds())
		}
		h := sha256.Sum256(b)
		if m, dup := seen[h]; dup {
			t.Fatalf("photos %d and %d are the same", m, n)
		}
		seen[h] = n
		// Outside the band: the base picture (within JPEG's error).
		base := photoLike(photoW, photoH, uint64(p.base+1))
		y := 0
		if p.first == 0 {
			y = photoH - 1
		}
		if d := diff(img, base, 800, y); d > 40 {
			t.Errorf("photo %d differs from its base outside the band by %d", n, d)
		}
		// The band's frame has the photo's own colour.
		want := [3]uint8{uint8(n * 37), uint8(n * 61), uint8(n * 97)}
		r, g, bl, _ := img.At(800, p.first*stripH).RGBA()
		got := [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8)}
		for i := range got {
			if d := int(got[i]) - int(want[i]); d > 48 || d < -48 {
				t.Errorf("photo %d: band frame colour %v, want ~%v", n, got, want)
				break
			}
		}
	}
}

func diff(a image.Image, b *image.RGBA, x, y int) int {
	r1, g1, b1, _ := a.At(x, y).RGBA()
	c := b.RGBAAt(x, y)
	d := 0
	for _, p := range [][2]int{{int(r1 >> 8), int(c.R)}, {int(g1 >> 8), int(c.G)}, {int(b1 >> 8), int(c.B)}} {
		if v := p[0] - p[1]; v > d {
			d = v
		} else if -v > d {
			d = -v
		}
	}
	return d
}

func BenchmarkMakePhoto(b *testing.B) {
	ps, err := newPhotoSet()
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		if _, err := ps.make(n); err != nil {
			b.Fatal(err)
		}
		n++
	}
}
