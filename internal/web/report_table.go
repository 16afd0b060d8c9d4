package web

import (
	"context"
	"fmt"
	"strconv"

	"liandong/internal/core"
	"liandong/internal/plan"
	"liandong/internal/report"
)

// addReportProgress puts the reports' roll-up on a published plan's
// decomposition table: per task, how many of its units have reported and
// the figures against each target per year; for the plan, the share of
// tasks on track. A reader who may not see the roll-up sees the table
// without it.
func (s *Server) addReportProgress(ctx context.Context, p *planTablePage) {
	if s.Reports == nil || p.Plan.Status == plan.Draft {
		return
	}
	a := core.ActorFrom(ctx)
	if a == nil || !a.CanSee(p.Plan.BodyID) {
		return
	}
	ru, err := s.Reports.Rollup(ctx, p.Plan.ID, 0)
	if err != nil {
		return
	}
	p.Reports = true
	if ru.Tasks > 0 {
		p.Share = fmt.Sprintf("%d/%d 项（%s%%）", ru.OnTrack, ru.Tasks, strconv.FormatFloat(ru.Share*100, 'f', 0, 64))
	}
	for i := range p.Rows {
		ip, ok := ru.Items[p.Rows[i].ID]
		if !ok || p.Rows[i].Section {
			continue
		}
		line := fmt.Sprintf("已报 %d/%d 个单位", ip.Reported, ip.Units)
		if ip.Progress != "" {
			line += " · " + ip.Progress.Label()
		}
		p.Rows[i].Progress = append(p.Rows[i].Progress, line)
		for _, t := range ip.Targets {
			l := fmt.Sprintf("%d年 %s：已采纳 %s / 目标 %s %s", t.Year, t.Text, report.Num(t.Accepted), report.Num(t.Goal), t.Unit)
			if t.Submitted > 0 {
				l += fmt.Sprintf("（另有待审 %s）", report.Num(t.Submitted))
			}
			p.Rows[i].Progress = append(p.Rows[i].Progress, l)
		}
	}
}
