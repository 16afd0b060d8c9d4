package source

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"liandong/internal/core"
	"liandong/internal/plan/extract"
)

// testdata/lo-plan.docx and lo-plan.doc were made by LibreOffice 7.4 from
// testdata/lo-plan.html (a plan of our own writing): a real producer's
// numbering.xml for an automatic list, a rowspan turned into w:vMerge, and
// its own styles. When LibreOffice is installed the test also converts the
// HTML afresh; CI does not install it.
func TestLibreOfficeDOCX(t *testing.T) {
	b, err := os.ReadFile("testdata/lo-plan.docx")
	if err != nil {
		t.Fatal(err)
	}
	checkLibreOfficePlan(t, b)

	doc, err := os.ReadFile("testdata/lo-plan.doc")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Read("lo-plan.doc", bytes.NewReader(doc), DefaultLimits)
	refused(t, err, core.EINVALID)

	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("LibreOffice is not installed: checked the committed conversion only")
	}
	dir := t.TempDir()
	cmd := exec.Command(soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless",
		"--infilter=HTML (StarWriter)", "--convert-to", "docx:MS Word 2007 XML", "--outdir", dir, "testdata/lo-plan.html")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	fresh, err := os.ReadFile(filepath.Join(dir, "lo-plan.docx"))
	if err != nil {
		t.Fatal(err)
	}
	checkLibreOfficePlan(t, fresh)
}

func checkLibreOfficePlan(t *testing.T, b []byte) {
	t.Helper()
	d := mustRead(t, "lo-plan.docx", b)
	r := extract.Extract(d.Text)
	cases := []struct {
		path              []string
		lead, responsible []string
		schedule          string
	}{
		{[]string{"二、", "(一)", "1."}, []string{"区老龄办"}, []string{"区卫生健康局", "区科协"}, ""},
		// An automatic list: the numbers exist only in numbering.xml.
		{[]string{"二、", "(二)", "1."}, []string{"区总工会"}, []string{"区人力资源社会保障局"}, ""},
		{[]string{"二、", "(二)", "2."}, []string{"区总工会"}, []string{"区工业和信息化局", "区科技局"}, ""},
		{[]string{"(一)", "1."}, []string{"区科协"}, []string{"区发展改革局", "区财政局"}, "6-10月"},
		// The second row of a rowspan category.
		{[]string{"(一)", "2."}, []string{"区科协"}, []string{"各街道办事处"}, "1-12月"},
		{[]string{"(二)", "1."}, []string{"区委宣传部"}, []string{"区融媒体中心", "区科协"}, "全年"},
	}
	for _, c := range cases {
		it := task(t, r, c.path...)
		if !reflect.DeepEqual(it.Lead, c.lead) || !reflect.DeepEqual(it.Responsible, c.responsible) || it.Schedule != c.schedule {
			t.Errorf("%v = %+v", c.path, it)
		}
	}
}
