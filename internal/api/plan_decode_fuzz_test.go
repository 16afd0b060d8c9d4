package api

// The plans' request structs join FuzzDecode's targets (decode_fuzz_test.go),
// so that the fuzzer also sends every body a client can send to the plan
// routes: nested objects (targets, phases, the extraction, mappings) are
// decoded with unknown fields refused too.
func init() {
	decodeTargets = append(decodeTargets,
		func() any { return &PlanCreate{} }, func() any { return &PlanPatch{} }, func() any { return &PlanTransition{} },
		func() any { return &ItemCreate{} }, func() any { return &ItemPut{} }, func() any { return &ItemStatusChange{} },
		func() any { return &PhaseSet{} }, func() any { return &GoalCreate{} }, func() any { return &MeasureRecord{} },
		func() any { return &KeyPointsCreate{} }, func() any { return &PreviewRequest{} }, func() any { return &ReviewRequest{} },
		func() any { return &ImportRequest{} }, func() any { return &CascadeAssign{} },
	)
}
