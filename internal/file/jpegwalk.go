package file

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// The structural check of a JPEG (the synchronous half of a photo's check).
// A full decode costs ~25 ms of CPU for a 1600×1200 photo, too much for the
// upload request on a deadline day, so an upright JPEG is accepted after a
// walk over its bytes that needs no decoding: every segment well formed,
// one supported frame, the Huffman and quantization tables every scan uses
// defined, the entropy-coded data of each scan followed to its end with
// only stuffed 0xFF00 bytes and restart markers in sequence, every
// component scanned, and an end-of-image marker. What the walk cannot see
// (Huffman codes that do not decode) is left to the "file.verify" job.

var (
	errBadJPEG   = errors.New("file: malformed JPEG structure")
	errTruncated = errors.New("file: JPEG cut short")
)

// jpegWalker holds what the segments seen so far declared.
type jpegWalker struct {
	frame       bool
	baseline    bool
	progressive bool
	ncomp       int
	comp        [4]struct {
		id, hv, tq byte
		scanned    bool // sequential: its one scan; progressive: its first DC scan
	}
	dc, ac, q [4]bool
	restart   int
	scans     int
}

// stripJPEG walks a JPEG (see jpegWalker) and copies it dropping every
// metadata segment (Exif and XMP in APP1, IPTC in APP13, comments, vendor
// APPn) and anything after the end of image, keeping what decoding needs:
// JFIF (without its thumbnail), the Adobe colour transform in APP14 and an
// ICC profile in APP2. The compressed image data is copied as is, so
// nothing is lost. A structure that is not sound is errBadJPEG, or
// errTruncated when the bytes end before the end-of-image marker.
func stripJPEG(b []byte) ([]byte, error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, errBadJPEG
	}
	var w jpegWalker
	out := make([]byte, 0, len(b))
	out = append(out, 0xFF, 0xD8)
	i := 2
	for {
		// A marker: 0xFF, any number of fill bytes 0xFF, then its code.
		if i >= len(b) {
			return nil, errTruncated
		}
		if b[i] != 0xFF {
			return nil, errBadJPEG
		}
		for i+1 < len(b) && b[i+1] == 0xFF {
			i++
		}
		if i+1 >= len(b) {
			return nil, errTruncated
		}
		m := b[i+1]
		i += 2
		switch {
		case m == 0xD9:
			if err := w.end(); err != nil {
				return nil, err
			}
			return append(out, 0xFF, 0xD9), nil
		case m < 0xC0 || m == 0xD8 || (m >= 0xD0 && m <= 0xD7):
			// Stuffing, TEM, reserved codes, a second SOI, or a restart
			// marker outside a scan's data.
			return nil, errBadJPEG
		}
		if i+2 > len(b) {
			return nil, errTruncated
		}
		n := int(binary.BigEndian.Uint16(b[i:]))
		if n < 2 {
			return nil, errBadJPEG
		}
		if i+n > len(b) {
			return nil, errTruncated
		}
		seg, body := b[i-2:i+n], b[i+2:i+n]
		i += n
		var err error
		switch {
		case m == 0xC0 || m == 0xC1 || m == 0xC2:
			err = w.sof(m, body)
		case m == 0xC4:
			err = w.dht(body)
		case m == 0xDB:
			err = w.dqt(body)
		case m == 0xDD:
			err = w.dri(body)
		case m == 0xDA:
			if err := w.sos(body); err != nil {
				return nil, err
			}
			j, err := w.entropy(b, i)
			if err != nil {
				return nil, err
			}
			out = append(out, seg...)
			out = append(out, b[i:j]...)
			i = j
			continue
		case m == 0xE0:
			if len(body) >= 14 && bytes.HasPrefix(body, []byte("JFIF\x00")) {
				// Version, units and density; no thumbnail.
				out = append(out, 0xFF, 0xE0, 0, 16)
				out = append(out, body[:12]...)
				out = append(out, 0, 0)
			}
			continue
		case m == 0xEE:
			if bytes.HasPrefix(body, []byte("Adobe")) {
				out = append(out, seg...)
			}
			continue
		case m == 0xE2:
			if bytes.HasPrefix(body, []byte("ICC_PROFILE\x00")) {
				out = append(out, seg...)
			}
			continue
		case m >= 0xE0 && m <= 0xEF, m == 0xFE:
			continue // metadata: dropped
		default:
			// Lossless, hierarchical and arithmetic-coded frames, DNL and
			// the extensions: nothing a camera or phone writes, and nothing
			// the decoder reads.
			return nil, errBadJPEG
		}
		if err != nil {
			return nil, err
		}
		out = append(out, seg...)
	}
}

// sof reads a baseline, extended or progressive frame header: 8-bit
// samples, 1, 3 or 4 distinct components with sampling factors 1–4.
func (w *jpegWalker) sof(m byte, body []byte) error {
	if w.frame || len(body) < 6 || body[0] != 8 {
		return errBadJPEG
	}
	nc := int(body[5])
	if (nc != 1 && nc != 3 && nc != 4) || len(body) != 6+3*nc {
		return errBadJPEG
	}
	if binary.BigEndian.Uint16(body[1:]) == 0 || binary.BigEndian.Uint16(body[3:]) == 0 {
		return errBadJPEG
	}
	w.frame, w.baseline, w.progressive, w.ncomp = true, m == 0xC0, m == 0xC2, nc
	for k := 0; k < nc; k++ {
		c := body[6+3*k:]
		h, v := c[1]>>4, c[1]&0x0f
		if h < 1 || h > 4 || v < 1 || v > 4 || c[2] > 3 {
			return errBadJPEG
		}
		for j := 0; j < k; j++ {
			if w.comp[j].id == c[0] {
				return errBadJPEG
			}
		}
		w.comp[k].id, w.comp[k].hv, w.comp[k].tq = c[0], h*v, c[2]
	}
	return nil
}

// dht reads Huffman tables: class 0 or 1, slot 0–3, 1–256 codes whose
// lengths form a prefix code.
func (w *jpegWalker) dht(body []byte) error {
	for len(body) > 0 {
		if len(body) < 17 {
			return errBadJPEG
		}
		tc, th := body[0]>>4, body[0]&0x0f
		if tc > 1 || th > 3 {
			return errBadJPEG
		}
		total, code := 0, 0
		for l := 1; l <= 16; l++ {
			cnt := int(body[l])
			total += cnt
			code = code<<1 + cnt
			if code > 1<<l {
				return errBadJPEG
			}
		}
		if total == 0 || total > 256 || len(body) < 17+total {
			return errBadJPEG
		}
		if tc == 0 {
			w.dc[th] = true
		} else {
			w.ac[th] = true
		}
		body = body[17+total:]
	}
	return nil
}

// dqt reads quantization tables of 8 or 16 bits into slots 0–3.
func (w *jpegWalker) dqt(body []byte) error {
	for len(body) > 0 {
		pq, tq := body[0]>>4, body[0]&0x0f
		if pq > 1 || tq > 3 || len(body) < 1+64*int(pq+1) {
			return errBadJPEG
		}
		w.q[tq] = true
		body = body[1+64*int(pq+1):]
	}
	return nil
}

// dri reads the restart interval: the number of MCUs between restart
// markers in the scans that follow, 0 for none.
func (w *jpegWalker) dri(body []byte) error {
	if len(body) != 2 {
		return errBadJPEG
	}
	w.restart = int(binary.BigEndian.Uint16(body))
	return nil
}

// sos reads a scan header and checks that everything the scan needs was
// declared before it, as the decoder will.
func (w *jpegWalker) sos(body []byte) error {
	if !w.frame || len(body) < 1 {
		return errBadJPEG
	}
	ns := int(body[0])
	if ns < 1 || ns > w.ncomp || len(body) != 4+2*ns {
		return errBadJPEG
	}
	ss, se, ah, al := body[1+2*ns], body[2+2*ns], body[3+2*ns]>>4, body[3+2*ns]&0x0f
	if w.progressive {
		if (ss == 0 && se != 0) || ss > se || se > 63 || (ss != 0 && ns != 1) || (ah != 0 && ah != al+1) {
			return errBadJPEG
		}
	}
	var seen [4]bool
	hv := 0
	for k := 0; k < ns; k++ {
		id, td, ta := body[1+2*k], body[2+2*k]>>4, body[2+2*k]&0x0f
		ci := -1
		for j := 0; j < w.ncomp; j++ {
			if w.comp[j].id == id {
				ci = j
			}
		}
		if ci < 0 || seen[ci] || td > 3 || ta > 3 || (w.baseline && (td > 1 || ta > 1)) {
			return errBadJPEG
		}
		seen[ci] = true
		c := &w.comp[ci]
		hv += int(c.hv)
		if !w.q[c.tq] {
			return errBadJPEG
		}
		switch {
		case !w.progressive:
			if c.scanned || !w.dc[td] || !w.ac[ta] {
				return errBadJPEG
			}
			c.scanned = true
		case ss == 0: // DC scan: the first one decodes Huffman codes.
			if ah == 0 {
				if c.scanned || !w.dc[td] {
					return errBadJPEG
				}
				c.scanned = true
			} else if !c.scanned {
				return errBadJPEG
			}
		default: // AC scan, after the component's first DC scan.
			if !c.scanned || !w.ac[ta] {
				return errBadJPEG
			}
		}
	}
	if w.ncomp > 1 && hv > 10 {
		return errBadJPEG
	}
	w.scans++
	return nil
}

// entropy follows a scan's entropy-coded data from b[i] and returns where
// the marker that ends it starts. Inside the data a 0xFF byte is only ever
// stuffed (0xFF00) or a restart marker, which must come in sequence
// RST0…RST7 and only when a restart interval is set. Data that runs to the
// end of the bytes was cut short.
func (w *jpegWalker) entropy(b []byte, i int) (int, error) {
	next := 0
	j := i
	for {
		k := bytes.IndexByte(b[j:], 0xFF)
		if k < 0 || j+k+1 >= len(b) {
			return 0, errTruncated
		}
		j += k
		nx := b[j+1]
		switch {
		case nx == 0x00:
			j += 2
		case nx >= 0xD0 && nx <= 0xD7:
			if w.restart == 0 || nx != 0xD0+byte(next) {
				return 0, errBadJPEG
			}
			next = (next + 1) % 8
			j += 2
		default:
			if j == i {
				return 0, errBadJPEG // a scan without data
			}
			return j, nil
		}
	}
}

// end checks, at the end-of-image marker, that the image has data for
// every component.
func (w *jpegWalker) end() error {
	if w.scans == 0 {
		return errBadJPEG
	}
	for k := 0; k < w.ncomp; k++ {
		if !w.comp[k].scanned {
			return errBadJPEG
		}
	}
	return nil
}
