package source

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// readText decodes a plain-text plan. Offices save text as UTF-8 (with or
// without a byte-order mark), as UTF-16 with a mark (Notepad's "Unicode"),
// or — the Windows default for Chinese — as GBK, of which GB18030 is a
// superset. Binary content is refused rather than shown as mojibake.
func readText(b []byte, lim Limits) (string, error) {
	var (
		s   string
		err error
	)
	switch {
	case bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")):
		s = string(b[3:])
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
	case bytes.HasPrefix(b, []byte("\xFF\xFE")), bytes.HasPrefix(b, []byte("\xFE\xFF")):
		if len(b)%2 != 0 {
			b = b[:len(b)-1] // a torn last half-character
		}
		var u []byte
		u, err = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(b)
		if err != nil {
			return "", invalid("文件的 Unicode（UTF-16）编码有误，无法读取。请另存为 UTF-8 编码的文本后重新上传。", err)
		}
		s = string(u)
	default:
		if bytes.IndexByte(b, 0) >= 0 {
			return "", invalid("这不是文本文件（含有二进制内容），无法读取。"+acceptedText, errors.New("NUL byte in text"))
		}
		if utf8.Valid(b) || mostlyUTF8(b) {
			s = strings.ToValidUTF8(string(b), "\uFFFD")
		} else {
			var u []byte
			u, err = simplifiedchinese.GB18030.NewDecoder().Bytes(b)
			if err != nil {
				return "", invalid("无法识别文件的文字编码。请另存为 UTF-8 编码的文本后重新上传。", err)
			}
			s = string(u)
		}
	}
	if binaryText(s) {
		return "", invalid("这不是文本文件，或文字编码无法识别。请另存为 UTF-8 编码的文本后重新上传。", errors.New("control characters in text"))
	}
	if len(s) > lim.MaxText {
		return "", textTooLarge(lim)
	}
	return cleanText(s), nil
}

// mostlyUTF8 reports whether b is UTF-8 with a few damaged bytes (a file cut
// short, one pasted character from elsewhere) rather than GBK: in GBK text,
// byte pairs that happen to form valid UTF-8 sequences are rare and short.
func mostlyUTF8(b []byte) bool {
	bad, multi := 0, 0
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			bad++
		case n >= 3:
			multi++
		}
		i += n
	}
	return multi >= 20*bad
}

// binaryText reports whether decoded text holds more control characters or
// replacement marks than a real document could: the signature of a binary
// file or a wrong guess of encoding.
func binaryText(s string) bool {
	odd, n := 0, 0
	for _, r := range s {
		n++
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' && r != '\v') || r == 0x7f || r == utf8.RuneError {
			odd++
		}
	}
	return odd > 8 && odd*100 > n
}

// cleanText makes line ends "\n", drops a byte-order mark and control
// characters other than tab, and keeps everything else as written.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\r' || r == '\f' || r == '\v' || r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || r == '\ufeff':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func textTooLarge(lim Limits) error {
	return tooLarge(fmt.Sprintf("文件中的文字超过 %s 的上限，请拆分后分别导入。", sizeText(int64(lim.MaxText))), errors.New("text over MaxText"))
}
