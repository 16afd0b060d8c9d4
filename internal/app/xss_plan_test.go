package app_test

import (
	"liandong/internal/core"
	"liandong/internal/plan"
)

// storePlans writes payloads into every free-text field of the plans, as
// the city office: a published plan whose tasks carry them in every field
// (handed down to the payload counties below), a goal with a measured
// value, phases, a change recorded in its history, and a draft.
func (x *xssWorld) storePlans() {
	t, ctx := x.t, x.ctx
	t.Helper()
	svc := &plan.Service{DB: x.app.DB, Clock: core.SystemClock{}}
	n := len(xssPayloads)
	p := func(i, max int) string { return x.stored(fit(xssPayloads[i%n], max)) }
	body := x.bodies[0]
	pub, err := svc.CreatePlan(ctx, plan.PlanInput{BodyID: body, Kind: plan.Implementation, Title: p(0, plan.MaxTitleLen),
		DocNumber: p(1, plan.MaxShortLen), YearFrom: 2021, YearTo: 2030})
	x.must("plan", err)
	x.plans = append(x.plans, pub.ID)
	sec, err := svc.AddItem(ctx, pub.ID, plan.ItemInput{Kind: plan.Section, Marker: "一、", Title: p(2, plan.MaxTitleLen),
		Lead: []int64{x.units[0]}})
	x.must("section", err)
	x.items = append(x.items, sec.ID)
	for i := range xssPayloads {
		in := plan.ItemInput{ParentID: sec.ID, Kind: plan.Task, Marker: fit(xssPayloads[i], 20), Title: p(i+3, plan.MaxTitleLen),
			Content: p(i+4, plan.MaxTextLen), Schedule: p(i+5, plan.MaxShortLen), Audience: p(i+6, 50),
			Lead: []int64{x.units[i%len(x.units)]}, Responsible: []int64{x.units[(i+1)%len(x.units)]},
			Targets: []plan.Target{{Text: p(i+7, plan.MaxTitleLen)}}}
		if i == 0 {
			in.Cascade, in.CascadeText = plan.Responsible, p(8, plan.MaxShortLen)
		}
		it, err := svc.AddItem(ctx, pub.ID, in)
		x.must("task", err)
		if i < 3 {
			x.items = append(x.items, it.ID)
		}
	}
	g, err := svc.AddGoal(ctx, pub.ID, plan.Goal{Text: p(9, plan.MaxTextLen), Metric: p(10, plan.MaxTitleLen), Comparator: ">=",
		Value: 12, Unit: p(11, 20), Year: 2025})
	x.must("goal", err)
	_, err = svc.RecordMeasure(ctx, g.ID, plan.Measure{RegionID: x.w.Liuzhou.ID, Year: 2023, Value: 10.5, Note: p(0, 500)})
	x.must("measure", err)
	_, err = svc.SetPhases(ctx, pub.ID, []plan.Phase{{Name: p(1, plan.MaxShortLen), StartsOn: "2021-01-01", EndsOn: "2021-12-31",
		Milestone: p(2, plan.MaxTextLen)}})
	x.must("phases", err)
	pub, err = svc.GetPlan(ctx, pub.ID)
	x.must("plan", err)
	_, err = svc.SetStatus(ctx, pub.ID, pub.Version, plan.Published)
	x.must("publish", err)
	// A change after publication: the history shows the payloads as
	// before → after.
	it, _, err := svc.GetItem(ctx, x.items[1])
	x.must("item", err)
	_, err = svc.SetItemStatus(ctx, it.ID, it.Version, plan.Cancelled, p(3, plan.MaxTextLen))
	x.must("cancel", err)

	draft, err := svc.CreatePlan(ctx, plan.PlanInput{BodyID: body, Kind: plan.Action, Title: p(4, plan.MaxTitleLen),
		YearFrom: 2022, YearTo: 2022})
	x.must("draft", err)
	x.plans = append(x.plans, draft.ID)
	it2, err := svc.AddItem(ctx, draft.ID, plan.ItemInput{Title: p(5, plan.MaxTitleLen), Lead: []int64{x.units[1]}})
	x.must("draft task", err)
	x.items = append(x.items, it2.ID)
}
