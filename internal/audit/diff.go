package audit

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
)

// Change is one field of a before → after comparison.
type Change struct {
	Field   string // dotted path for nested objects ("office.unit_id"); "" for a whole value
	Before  string // "" when the field was absent
	After   string
	Changed bool
}

// Diff compares the before and after values of a row field by field, in
// field order. Objects are flattened to dotted paths; arrays and scalars are
// compared as a whole. A side that is not valid JSON is shown as text.
func Diff(beforeJSON, afterJSON string) []Change {
	before, after := flatten(beforeJSON), flatten(afterJSON)
	fields := map[string]bool{}
	for k := range before {
		fields[k] = true
	}
	for k := range after {
		fields[k] = true
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	cs := make([]Change, 0, len(names))
	for _, k := range names {
		b, inB := before[k]
		a, inA := after[k]
		cs = append(cs, Change{Field: k, Before: b, After: a, Changed: inA != inB || a != b})
	}
	return cs
}

// flatten maps the leaves of a JSON object to their text; a non-object
// value becomes the single field "".
func flatten(s string) map[string]string {
	m := map[string]string{}
	if s == "" {
		return m
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		m[""] = s
		return m
	}
	if obj, ok := v.(map[string]any); ok && len(obj) > 0 {
		walk(m, "", obj)
		return m
	}
	m[""] = leaf(v)
	return m
}

func walk(m map[string]string, prefix string, obj map[string]any) {
	for k, v := range obj {
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			walk(m, path, sub)
			continue
		}
		m[path] = leaf(v)
	}
}

// leaf renders a JSON value for people: strings without quotes, null as
// empty, anything else as compact JSON.
func leaf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
