package file

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	stddraw "image/draw"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/draw"

	"liandong/internal/core"
)

// Photo quality: stored photos are re-encoded only when they must be
// (rotation, PNG); thumbnails are small and shown in lists.
const (
	photoQuality = 88
	thumbQuality = 75
)

// preparePhoto checks a JPEG or PNG, bounds its pixel count before
// decoding anything (E3), and replaces c.data with what is stored: a JPEG
// without metadata, upright.
//
// An upright JPEG (the common case, and the deadline-day cost) is not
// decoded here: its metadata segments are dropped losslessly by a walk
// that also checks its structure (stripJPEG), and c.pending asks for the
// full decode and the thumbnail later (the "file.verify" job). A JPEG to
// be rotated and a PNG are decoded, re-encoded and thumbnailed now: their
// decode is needed for what is stored anyway.
func preparePhoto(c *checked, lim Limits) error {
	broken := refuse("照片已损坏或无法识别，请重新导出后上传")
	cfg, format, err := image.DecodeConfig(bytes.NewReader(c.data))
	if err != nil {
		return broken
	}
	if (format == "jpeg") != (c.contentType == TypeJPEG) {
		return broken
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return broken
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > lim.MaxPixels {
		return &core.Error{Code: core.ETOOLARGE, Field: "file",
			Message: fmt.Sprintf("照片像素过多（%d×%d），最多 %d 万像素，请缩小后上传", cfg.Width, cfg.Height, lim.MaxPixels/10000)}
	}
	orientation := 1
	if c.contentType == TypeJPEG {
		orientation = exifOrientation(c.data)
	}
	if c.contentType == TypeJPEG && orientation == 1 {
		stripped, err := stripJPEG(c.data)
		if errors.Is(err, errTruncated) {
			return refuse("照片已损坏：文件不完整（图像数据被截断），可能是上传中断或导出未完成，请重新上传")
		}
		if err != nil {
			return broken
		}
		c.data, c.width, c.height, c.pending = stripped, cfg.Width, cfg.Height, true
		return nil
	}
	var img image.Image
	if c.contentType == TypeJPEG {
		img, err = jpeg.Decode(bytes.NewReader(c.data))
	} else {
		img, err = png.Decode(bytes.NewReader(c.data))
	}
	if err != nil {
		return broken
	}
	img = opaque(orient(img, orientation))
	var buf bytes.Buffer
	buf.Grow(len(c.data))
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: photoQuality}); err != nil {
		return fmt.Errorf("file: encode photo: %w", err)
	}
	c.data = buf.Bytes()
	if c.contentType == TypePNG {
		c.name = replaceExt(c.name, ".jpg")
	}
	c.contentType = TypeJPEG
	if orientation >= 5 {
		cfg.Width, cfg.Height = cfg.Height, cfg.Width
	}
	c.width, c.height = cfg.Width, cfg.Height
	c.thumb, err = thumbnail(img, lim.ThumbSize)
	return err
}

// decodeStored fully decodes a stored (stripped, upright) JPEG and makes
// its thumbnail: the deferred half of an upright JPEG's check. An error
// wrapping errUndecodable means the photo is damaged.
func decodeStored(data []byte, width, height int, lim Limits) ([]byte, error) {
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errUndecodable, err)
	}
	if b := img.Bounds(); b.Dx() != width || b.Dy() != height {
		return nil, fmt.Errorf("%w: decoded %d×%d, recorded %d×%d", errUndecodable, b.Dx(), b.Dy(), width, height)
	}
	return thumbnail(img, lim.ThumbSize)
}

// errUndecodable marks a photo that passed the structural check but does
// not decode.
var errUndecodable = errors.New("file: photo does not decode")

func replaceExt(name, ext string) string {
	for i := len(name) - 1; i >= 0 && name[i] != '/'; i-- {
		if name[i] == '.' {
			return name[:i] + ext
		}
	}
	return name + ext
}

// opaque flattens transparency onto white: JPEG has no alpha, and a
// transparent PNG would otherwise turn black.
func opaque(img image.Image) image.Image {
	switch img.(type) {
	case *image.YCbCr, *image.Gray, *image.CMYK:
		return img
	}
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	stddraw.Draw(dst, dst.Bounds(), image.White, image.Point{}, stddraw.Src)
	stddraw.Draw(dst, dst.Bounds(), img, b.Min, stddraw.Over)
	return dst
}

// thumbnail scales img (upright and opaque) so that its longer side is
// size, with a fast bilinear filter.
func thumbnail(img image.Image, size int) ([]byte, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	tw, th := w, h
	if w > size || h > size {
		if w >= h {
			tw, th = size, max(1, h*size/w)
		} else {
			tw, th = max(1, w*size/h), size
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: thumbQuality}); err != nil {
		return nil, fmt.Errorf("file: encode thumbnail: %w", err)
	}
	return buf.Bytes(), nil
}

// orient returns img turned upright according to the EXIF orientation o
// (1–8; anything else is taken as 1).
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	if y, ok := img.(*image.YCbCr); ok && (y.SubsampleRatio == image.YCbCrSubsampleRatio420 || y.SubsampleRatio == image.YCbCrSubsampleRatio444) {
		// A decoded photo: turn its planes as they are, which the JPEG
		// encoder then takes without converting colours (several times
		// faster than going through RGBA).
		return orientYCbCr(y, o)
	}
	b := img.Bounds()
	src := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	stddraw.Draw(src, src.Bounds(), img, b.Min, stddraw.Src)
	W, H := b.Dx(), b.Dy()
	dw, dh := W, H
	if o >= 5 {
		dw, dh = H, W
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := 0; dy < dh; dy++ {
		for dx := 0; dx < dw; dx++ {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = W-1-dx, dy
			case 3:
				sx, sy = W-1-dx, H-1-dy
			case 4:
				sx, sy = dx, H-1-dy
			case 5:
				sx, sy = dy, dx
			case 6:
				sx, sy = dy, H-1-dx
			case 7:
				sx, sy = W-1-dy, H-1-dx
			case 8:
				sx, sy = W-1-dy, dx
			}
			si, di := sy*src.Stride+sx*4, dy*dst.Stride+dx*4
			copy(dst.Pix[di:di+4], src.Pix[si:si+4])
		}
	}
	return dst
}

// srcPoint maps a point of the upright w'×h' image to the stored W×H one.
func srcPoint(o, dx, dy, W, H int) (int, int) {
	switch o {
	case 2:
		return W - 1 - dx, dy
	case 3:
		return W - 1 - dx, H - 1 - dy
	case 4:
		return dx, H - 1 - dy
	case 5:
		return dy, dx
	case 6:
		return dy, H - 1 - dx
	case 7:
		return W - 1 - dy, H - 1 - dx
	case 8:
		return W - 1 - dy, dx
	}
	return dx, dy
}

// orientYCbCr turns a 4:2:0 or 4:4:4 image plane by plane.
func orientYCbCr(src *image.YCbCr, o int) *image.YCbCr {
	b := src.Bounds()
	W, H := b.Dx(), b.Dy()
	dw, dh := W, H
	if o >= 5 {
		dw, dh = H, W
	}
	dst := image.NewYCbCr(image.Rect(0, 0, dw, dh), src.SubsampleRatio)
	turn := func(sp []byte, sStride, sw, sh int, dp []byte, dStride, w, h int) {
		for dy := 0; dy < h; dy++ {
			row := dp[dy*dStride : dy*dStride+w]
			for dx := range row {
				sx, sy := srcPoint(o, dx, dy, sw, sh)
				row[dx] = sp[sy*sStride+sx]
			}
		}
	}
	turn(src.Y[src.YOffset(b.Min.X, b.Min.Y):], src.YStride, W, H, dst.Y, dst.YStride, dw, dh)
	cw, ch := W, H
	if src.SubsampleRatio == image.YCbCrSubsampleRatio420 {
		cw, ch = (b.Max.X+1)/2-b.Min.X/2, (b.Max.Y+1)/2-b.Min.Y/2
	}
	dcw, dch := cw, ch
	if o >= 5 {
		dcw, dch = ch, cw
	}
	c0 := src.COffset(b.Min.X, b.Min.Y)
	turn(src.Cb[c0:], src.CStride, cw, ch, dst.Cb, dst.CStride, dcw, dch)
	turn(src.Cr[c0:], src.CStride, cw, ch, dst.Cr, dst.CStride, dcw, dch)
	return dst
}

// exifOrientation returns the EXIF orientation (tag 0x0112 of IFD0) of a
// JPEG, or 1 when there is none or it cannot be read. It reads only the
// APP1 segments before the first scan and checks every offset.
func exifOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return 1
		}
		m := b[i+1]
		if m == 0xFF {
			i++
			continue
		}
		if m == 0xDA || m == 0xD9 {
			return 1
		}
		if m == 0x01 || (m >= 0xD0 && m <= 0xD7) {
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+n]
		if m == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			if o := tiffOrientation(seg[6:]); o != 0 {
				return o
			}
		}
		i += 2 + n
	}
	return 1
}

// tiffOrientation reads the orientation from a TIFF structure (the body
// of an Exif segment); 0 when absent or malformed.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int64(bo.Uint32(t[4:]))
	if off < 8 || off+2 > int64(len(t)) {
		return 0
	}
	n := int64(bo.Uint16(t[off:]))
	for k := int64(0); k < n; k++ {
		e := off + 2 + 12*k
		if e+12 > int64(len(t)) {
			return 0
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		typ, count := bo.Uint16(t[e+2:]), bo.Uint32(t[e+4:])
		if typ != 3 || count != 1 {
			return 0
		}
		v := int(bo.Uint16(t[e+8:]))
		if v < 1 || v > 8 {
			return 0
		}
		return v
	}
	return 0
}
