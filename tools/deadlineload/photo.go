package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"sync"
)

// Photos for the deadline day: 1600×1200 photo-like JPEGs of ~300 KB,
// every one different, made before the clock starts. Encoding 7,000 such
// pictures whole would take ~5 CPU-minutes, so each is assembled instead
// from one-MCU-row strips: a JPEG with a restart marker after every MCU row
// (DRI) is a sequence of independent entropy-coded segments, and the
// standard library's encoder, given a 1600×16 strip, writes exactly such a
// segment (DC prediction from zero, last byte padded with 1-bits). A few
// base pictures are encoded strip by strip once; a photo is a base
// picture with a band of strips replaced by the photo's own noise, so only
// the band is encoded per photo (~1.5 ms) and the rest is shared.

const (
	photoW, photoH = 1600, 1200
	stripH         = 16 // one MCU row at 4:2:0
	bandStrips     = 2  // strips replaced per photo
	baseCount      = 4
	photoQuality   = 78
)

// photoSet holds the base pictures' strips and the JPEG header they share.
type photoSet struct {
	header []byte     // SOI … SOS of a 1600×1200 picture with a restart interval of one MCU row
	bases  [][][]byte // bases[b][s]: entropy-coded segment of strip s of base picture b
}

// photo is one generated photo: base picture Base with strips
// [First, First+len(Band)) replaced by Band.
type photo struct {
	base  int
	first int
	band  [][]byte
}

// newPhotoSet encodes the base pictures.
func newPhotoSet() (*photoSet, error) {
	ps := &photoSet{bases: make([][][]byte, baseCount)}
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for b := range baseCount {
		wg.Add(1)
		go func() {
			defer wg.Done()
			img := photoLike(photoW, photoH, uint64(b+1))
			strips := make([][]byte, photoH/stripH)
			var header []byte
			for s := range strips {
				h, seg, err := encodeStrip(img.SubImage(image.Rect(0, s*stripH, photoW, (s+1)*stripH)))
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				strips[s], header = seg, h
			}
			mu.Lock()
			ps.bases[b] = strips
			if ps.header == nil {
				ps.header = header
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	hdr, err := fullHeader(ps.header)
	if err != nil {
		return nil, err
	}
	ps.header = hdr
	return ps, nil
}

// make builds photo number n: its base picture, band position and noise
// all follow from n, so two numbers never give the same picture.
func (ps *photoSet) make(n int) (photo, error) {
	rng := rand.New(rand.NewPCG(uint64(n), 0x70686f746f))
	p := photo{base: n % baseCount, first: rng.IntN(photoH/stripH - bandStrips + 1)}
	band := photoLike(photoW, bandStrips*stripH, uint64(n)+1000)
	// A frame in the band's own colour, so the differences show.
	for x := 0; x < photoW; x++ {
		for _, y := range []int{0, 1, bandStrips*stripH - 2, bandStrips*stripH - 1} {
			i := band.PixOffset(x, y)
			band.Pix[i], band.Pix[i+1], band.Pix[i+2] = uint8(n*37), uint8(n*61), uint8(n*97)
		}
	}
	for s := range bandStrips {
		_, seg, err := encodeStrip(band.SubImage(image.Rect(0, s*stripH, photoW, (s+1)*stripH)))
		if err != nil {
			return photo{}, err
		}
		p.band = append(p.band, seg)
	}
	return p, nil
}

// size is the photo's length in bytes.
func (ps *photoSet) size(p photo) int {
	n := len(ps.header) + 2
	for s := range ps.bases[p.base] {
		n += len(ps.segment(p, s)) + 2
	}
	return n - 2 // no restart marker after the last strip
}

func (ps *photoSet) segment(p photo, s int) []byte {
	if s >= p.first && s < p.first+len(p.band) {
		return p.band[s-p.first]
	}
	return ps.bases[p.base][s]
}

// writeTo writes the photo's JPEG to w.
func (ps *photoSet) writeTo(w io.Writer, p photo) error {
	if _, err := w.Write(ps.header); err != nil {
		return err
	}
	n := len(ps.bases[p.base])
	for s := range n {
		if _, err := w.Write(ps.segment(p, s)); err != nil {
			return err
		}
		if s < n-1 {
			// RST0..RST7 in turn between the strips.
			if _, err := w.Write([]byte{0xff, 0xd0 + byte(s%8)}); err != nil {
				return err
			}
		}
	}
	_, err := w.Write([]byte{0xff, 0xd9})
	return err
}

// bytes returns the photo's JPEG.
func (ps *photoSet) bytes(p photo) []byte {
	var b bytes.Buffer
	b.Grow(ps.size(p))
	_ = ps.writeTo(&b, p)
	return b.Bytes()
}

// encodeStrip encodes one 1600×16 strip and splits the JPEG into its
// header (SOI … SOS) and its entropy-coded data (up to EOI).
func encodeStrip(m image.Image) (header, data []byte, err error) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: photoQuality}); err != nil {
		return nil, nil, err
	}
	j := b.Bytes()
	pos := 2
	for pos+4 <= len(j) {
		if j[pos] != 0xff {
			return nil, nil, fmt.Errorf("strip: no marker at %d", pos)
		}
		marker := j[pos+1]
		l := int(binary.BigEndian.Uint16(j[pos+2:]))
		end := pos + 2 + l
		if end > len(j) {
			return nil, nil, errors.New("strip: truncated segment")
		}
		if marker == 0xda { // SOS: the entropy-coded data follows
			if !bytes.HasSuffix(j, []byte{0xff, 0xd9}) {
				return nil, nil, errors.New("strip: no EOI")
			}
			return j[:end:end], bytes.Clone(j[end : len(j)-2]), nil
		}
		pos = end
	}
	return nil, nil, errors.New("strip: no SOS")
}

// fullHeader turns a strip's header into the whole picture's: the frame
// height becomes 1200 and a DRI segment (one MCU row) precedes the SOS.
func fullHeader(strip []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Write(strip[:2])
	pos := 2
	for pos+4 <= len(strip) {
		marker := strip[pos+1]
		l := int(binary.BigEndian.Uint16(strip[pos+2:]))
		seg := bytes.Clone(strip[pos : pos+2+l])
		switch marker {
		case 0xc0: // SOF0: FF C0 len(2) precision(1) height(2) width(2) …
			if binary.BigEndian.Uint16(seg[5:]) != stripH || binary.BigEndian.Uint16(seg[7:]) != photoW {
				return nil, errors.New("strip: unexpected frame size")
			}
			binary.BigEndian.PutUint16(seg[5:], photoH)
		case 0xda:
			mcus := photoW / 16
			out.Write([]byte{0xff, 0xdd, 0, 4, byte(mcus >> 8), byte(mcus)})
		}
		out.Write(seg)
		pos += 2 + l
	}
	return out.Bytes(), nil
}

// photoLike draws a w×h picture with gradients and noise, so that JPEG
// compresses it about as well as a real photo (as internal/file's tests
// do); the seed picks the noise and the gradients' directions.
func photoLike(w, h int, seed uint64) *image.RGBA {
	rnd := rand.New(rand.NewPCG(seed, 7))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		gy := y
		if seed&2 != 0 {
			gy = h - 1 - y
		}
		for x := 0; x < w; x++ {
			gx := x
			if seed&1 != 0 {
				gx = w - 1 - x
			}
			n := rnd.IntN(24)
			i := img.PixOffset(x, y)
			img.Pix[i] = uint8(gx*200/w + n)
			img.Pix[i+1] = uint8(gy*180/h + n)
			img.Pix[i+2] = uint8((gx+gy)*90/(w+h) + 60 + n)
			img.Pix[i+3] = 0xff
		}
	}
	return img
}
