package file_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"

	"liandong/internal/file"
	"liandong/internal/xlsx"
)

// photoLike draws a w×h picture with gradients and noise, so that JPEG
// compresses it about as well as a real photo.
func photoLike(w, h int, seed uint64) *image.RGBA {
	rnd := rand.New(rand.NewPCG(seed, 7))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := rnd.IntN(24)
			i := img.PixOffset(x, y)
			img.Pix[i] = uint8((x*200/w + n) & 0xff)
			img.Pix[i+1] = uint8((y*180/h + n) & 0xff)
			img.Pix[i+2] = uint8(((x+y)*90/(w+h) + 60 + n) & 0xff)
			img.Pix[i+3] = 0xff
		}
	}
	return img
}

func encodeJPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// exifSegment builds an APP1 Exif segment by hand: IFD0 with the
// orientation (0 leaves it out) and, when gps is set, a GPS IFD with a
// latitude and longitude (Liuzhou), as a phone writes them.
func exifSegment(orientation int, gps bool) []byte {
	le := binary.LittleEndian
	var t bytes.Buffer
	t.WriteString("II*\x00")
	_ = binary.Write(&t, le, uint32(8))
	type entry struct {
		tag, typ uint16
		count    uint32
		value    uint32
	}
	var ifd0 []entry
	if orientation != 0 {
		ifd0 = append(ifd0, entry{0x0112, 3, 1, uint32(orientation)})
	}
	// Make and a serial-number-like string are metadata too.
	ifd0 = append(ifd0, entry{0x010F, 2, 4, uint32('X') | uint32('Y')<<8 | uint32('Z')<<16})
	if gps {
		ifd0 = append(ifd0, entry{0x8825, 4, 1, 0}) // offset filled in below
	}
	ifd0Size := 2 + 12*len(ifd0) + 4
	gpsOff := uint32(8 + ifd0Size)
	_ = binary.Write(&t, le, uint16(len(ifd0)))
	for _, e := range ifd0 {
		if e.tag == 0x8825 {
			e.value = gpsOff
		}
		_ = binary.Write(&t, le, e.tag)
		_ = binary.Write(&t, le, e.typ)
		_ = binary.Write(&t, le, e.count)
		_ = binary.Write(&t, le, e.value)
	}
	_ = binary.Write(&t, le, uint32(0))
	if gps {
		// GPS IFD: LatitudeRef N, Latitude, LongitudeRef E, Longitude
		// (rationals after the IFD).
		entries := 4
		dataOff := gpsOff + uint32(2+12*entries+4)
		_ = binary.Write(&t, le, uint16(entries))
		w := func(tag, typ uint16, count, value uint32) {
			_ = binary.Write(&t, le, tag)
			_ = binary.Write(&t, le, typ)
			_ = binary.Write(&t, le, count)
			_ = binary.Write(&t, le, value)
		}
		w(1, 2, 2, uint32('N'))
		w(2, 5, 3, dataOff)
		w(3, 2, 2, uint32('E'))
		w(4, 5, 3, dataOff+24)
		_ = binary.Write(&t, le, uint32(0))
		for _, v := range []uint32{24, 1, 19, 1, 3000, 100, 109, 1, 24, 1, 5000, 100} {
			_ = binary.Write(&t, le, v)
		}
	}
	body := append([]byte("Exif\x00\x00"), t.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(body)+2))
	return append(seg, body...)
}

// withSegments inserts segments right after the SOI marker of a JPEG.
func withSegments(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

// pngHeader is a PNG signature and a valid IHDR claiming w×h: enough for
// DecodeConfig, nothing for a decoder.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk := append([]byte("IHDR"), ihdr...)
	_ = binary.Write(&b, binary.BigEndian, uint32(13))
	b.Write(chunk)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	// An IDAT that would inflate to gigabytes is never reached.
	return b.Bytes()
}

// zipOf builds a ZIP with the given entries.
func zipOf(t testing.TB, entries map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var contentTypesDOCX = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="` + file.MainDOCX + `"/>
</Types>`

// minimalDOCX is the smallest package Word opens: content types and the
// main document part.
func minimalDOCX(t testing.TB) []byte {
	return zipOf(t, map[string]string{
		"[Content_Types].xml": contentTypesDOCX,
		"word/document.xml":   `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>2020年工作总结</w:t></w:r></w:p></w:body></w:document>`,
	})
}

// realXLSX is a workbook written by the product's own XLSX writer.
func realXLSX(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := xlsx.Write(&b, xlsx.Table{Sheet: "汇总", Headers: []string{"单位", "人数"}, Rows: [][]any{{"市科协", 120}}}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func minimalPDF() []byte {
	return []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
}

// quadrant paints a w×h image grey with a red block in its top-left
// corner, to see where the corner ends up after rotation.
func quadrant(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{128, 128, 128, 255}
			if x < w/4 && y < h/4 {
				c = color.RGBA{255, 0, 0, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// scanData returns where the entropy-coded data of a JPEG's first scan
// starts (right after its SOS header).
func scanData(t testing.TB, jpg []byte) int {
	t.Helper()
	sos := bytes.Index(jpg, []byte{0xFF, 0xDA})
	if sos < 0 {
		t.Fatal("no SOS marker")
	}
	return sos + 2 + int(binary.BigEndian.Uint16(jpg[sos+2:]))
}

// corruptScan inserts stuffed 0xFF bytes (sixteen one bits, a code no
// Huffman table has) in the middle of a JPEG's entropy-coded data: every
// segment stays well formed, but the decoder stops there with "bad
// Huffman code". This is what a photo damaged inside its data looks like
// to a structural check.
func corruptScan(t testing.TB, jpg []byte) []byte {
	t.Helper()
	k := scanData(t, jpg) + (len(jpg)-scanData(t, jpg))/2
	for jpg[k-1] == 0xFF {
		k++ // not inside a stuffed pair
	}
	out := append([]byte{}, jpg[:k]...)
	out = append(out, bytes.Repeat([]byte{0xFF, 0x00}, 8)...)
	return append(out, jpg[k:]...)
}
