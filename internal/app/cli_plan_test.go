package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"liandong/internal/app"
)

// The extract command prints the importer's findings in the JSON shape the
// issue gives, with shared prefixes expanded and the units as written.
func TestPlanExtractJSON(t *testing.T) {
	file := filepath.Join(t.TempDir(), "方案.txt")
	text := "到2025年，全市公民具备科学素质的比例达到12%。\n" +
		"二、重点任务\n（一）青少年行动（牵头单位：市教育局）\n" +
		"1.开展校园科技节。每年举办科技活动不少于200场次。（责任单位：市科协、科技局，各县（区）人民政府）\n"
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := app.Main(context.Background(), []string{"plan", "extract", file, "--format", "json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res struct {
		Goals []struct {
			Text, Metric, Comparator, Unit string
			Value                          float64
			Year                           int
		} `json:"goals"`
		Items []struct {
			Path        []string `json:"path"`
			Kind        string   `json:"kind"`
			Title       string   `json:"title"`
			Lead        []string `json:"lead"`
			Responsible []string `json:"responsible"`
			Targets     []struct {
				Text, Metric, Comparator, Unit, Period string
				Value                                  float64
			} `json:"targets"`
			Schedule string `json:"schedule"`
		} `json:"items"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if len(res.Goals) != 1 || res.Goals[0].Value != 12 || res.Goals[0].Year != 2025 {
		t.Errorf("goals = %+v", res.Goals)
	}
	if len(res.Items) != 3 {
		t.Fatalf("items = %+v", res.Items)
	}
	task := res.Items[2]
	if !slices.Equal(task.Path, []string{"二、", "(一)", "1."}) || task.Kind != "task" {
		t.Errorf("path %v kind %s", task.Path, task.Kind)
	}
	if !slices.Equal(task.Lead, []string{"市教育局"}) || !slices.Contains(task.Responsible, "市科技局") {
		t.Errorf("lead %v responsible %v (the shared prefix should be expanded)", task.Lead, task.Responsible)
	}
	if len(task.Targets) != 1 || task.Targets[0].Value != 200 || task.Targets[0].Comparator != ">=" {
		t.Errorf("targets = %+v", task.Targets)
	}
}

func TestPlanExtractRefusesWhatIsNotAPlan(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plan.docx")
	if err := os.WriteFile(file, []byte("<html><body>not a document</body></html>"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := app.Main(context.Background(), []string{"plan", "extract", file}, &out, &errb); code != 1 || out.Len() != 0 {
		t.Fatalf("exit %d, out %q", code, out.String())
	}
	if !strings.Contains(errb.String(), "liandong plan") {
		t.Errorf("stderr = %q", errb.String())
	}
}
