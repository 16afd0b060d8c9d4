package source

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"liandong/internal/plan/extract"
)

// The committed fixtures are one plan of our own writing saved as Windows
// Notepad saves it: GB18030 (the "ANSI" of a Chinese Windows) and "Unicode"
// (UTF-16 LE with a byte-order mark), both with CRLF line ends.
func TestTextEncodingsFromFixtures(t *testing.T) {
	for _, name := range []string{"gb18030.txt", "utf16le.txt"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + name)
			if err != nil {
				t.Fatal(err)
			}
			d := mustRead(t, name, b)
			if d.Format != FormatText || strings.Contains(d.Text, "\r") || strings.ContainsRune(d.Text, '\uFFFD') {
				t.Fatalf("format %q text %s", d.Format, dump(d.Text))
			}
			if !strings.HasPrefix(d.Text, "某县2021年全民科学素质工作要点\n一、提升青少年科学素质\n") {
				t.Errorf("text %s", dump(d.Text))
			}
			r := extract.Extract(d.Text)
			it := task(t, r, "一、", "(一)")
			if !reflect.DeepEqual(it.Lead, []string{"县教育局"}) || !reflect.DeepEqual(it.Responsible, []string{"县科协", "团县委"}) {
				t.Errorf("task = %+v", it)
			}
			it = task(t, r, "一、", "(二)")
			if !reflect.DeepEqual(it.Responsible, []string{"县科协", "县教育局", "各乡镇人民政府"}) {
				t.Errorf("task = %+v", it)
			}
		})
	}
}

func TestTextVariants(t *testing.T) {
	gbk := func(s string) []byte {
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"utf8.txt", []byte("一、总体要求\r\n（一）目标\r二、任务\n"), "一、总体要求\n（一）目标\n二、任务\n"},
		{"bom.txt", []byte("\xEF\xBB\xBF牵头单位：市科协\n"), "牵头单位：市科协\n"},
		{"utf16be.txt", []byte("\xFE\xFF\x72\x75\x59\x34\x00\x0a"), "牵头\n"},
		// Short GBK text: the two bytes of each character are not UTF-8.
		{"gbk.txt", gbk("牵头单位：市科协"), "牵头单位：市科协"},
		{"gbk-long.txt", gbk(strings.Repeat("责任单位：市教育局、市科协。\r\n", 50)), strings.Repeat("责任单位：市教育局、市科协。\n", 50)},
		// UTF-8 with one damaged byte stays UTF-8; the damage is shown, not guessed.
		{"damaged.txt", []byte(strings.Repeat("科学素质", 10) + "\xff" + "完"), strings.Repeat("科学素质", 10) + "\uFFFD完"},
		{"方案 v1.2", []byte("无扩展名"), "无扩展名"},
		{"controls.txt", []byte("甲\x01\x1b乙\f丙\t丁"), "甲乙\n丙\t丁"},
	}
	for _, c := range cases {
		d := mustRead(t, c.name, c.in)
		if d.Text != c.want || d.Format != FormatText {
			t.Errorf("%s: got %s (%s), want %s", c.name, dump(d.Text), d.Format, dump(c.want))
		}
	}
}

func TestNames(t *testing.T) {
	cases := map[string]string{
		`C:\fakepath\方案.txt`:     "方案.txt",
		"../../etc/方案.txt":       "方案.txt",
		"方\u202egpj.txt":         "方gpj.txt",
		"  a\x00b.txt ":          "ab.txt",
		strings.Repeat("长", 300): strings.Repeat("长", 255),
	}
	for in, want := range cases {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
	exts := map[string]string{"a.TXT": ".txt", "a.docx": ".docx", "方案2020.12.1": "", "v1.2": "", "a.": "", ".bashrc": "", "a.tar.gz": ".gz", "a.方案": ""}
	for in, want := range exts {
		if got := extOf(in); got != want {
			t.Errorf("extOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// A plan that reads fine is accepted whatever its name's case.
func TestUpperCaseExtension(t *testing.T) {
	if _, err := Read("方案.TXT", bytes.NewReader([]byte("一、总体要求")), DefaultLimits); err != nil {
		t.Fatal(err)
	}
	if _, err := Read("方案.DOCX", bytes.NewReader(makeDOCX(t, p("一、总体要求"))), DefaultLimits); err != nil {
		t.Fatal(err)
	}
}
