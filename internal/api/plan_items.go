package api

import (
	"context"
	"net/http"
	"strings"

	"liandong/internal/core"
	"liandong/internal/plan"
)

// ItemCreate is the body of POST /plans/{id}/items: an item added as the
// last child of parent_id (0: at the end of the plan). lead and
// responsible are unit ids of the plan's body; cascade ("lead",
// "responsible" or "") hands the item down to every body one level below,
// cascade_text being how the plan names them (各县〔市〕政府).
type ItemCreate struct {
	ParentID    int64         `json:"parent_id"`
	Kind        plan.ItemKind `json:"kind"`
	Marker      string        `json:"marker"`
	Title       string        `json:"title"`
	Content     string        `json:"content"`
	Schedule    string        `json:"schedule"`
	Audience    string        `json:"audience"`
	Lead        []int64       `json:"lead"`
	Responsible []int64       `json:"responsible"`
	Cascade     plan.Role     `json:"cascade"`
	CascadeText string        `json:"cascade_text"`
	Targets     []plan.Target `json:"targets"`
	ServesItem  int64         `json:"serves_item_id"`
}

// ItemPut is the body of PUT /items/{id}: the whole item as it should be,
// units and targets included (a field left out is emptied). An item stays
// where it is in the tree, so there is no parent_id; its status changes
// through POST /items/{id}/status, with a reason.
type ItemPut struct {
	Kind        plan.ItemKind `json:"kind"`
	Marker      string        `json:"marker"`
	Title       string        `json:"title"`
	Content     string        `json:"content"`
	Schedule    string        `json:"schedule"`
	Audience    string        `json:"audience"`
	Lead        []int64       `json:"lead"`
	Responsible []int64       `json:"responsible"`
	Cascade     plan.Role     `json:"cascade"`
	CascadeText string        `json:"cascade_text"`
	Targets     []plan.Target `json:"targets"`
	ServesItem  int64         `json:"serves_item_id"`
	Version     *int64        `json:"version"`
}

// ItemStatusChange is the body of POST /items/{id}/status: close (办结) or
// cancel a task with a reason, or reopen it.
type ItemStatusChange struct {
	Status  plan.ItemStatus `json:"status"`
	Reason  string          `json:"reason"`
	Version *int64          `json:"version"`
}

// ItemTable is GET /plans/{id}/items: the plan's decomposition table, its
// items in document order with their units, cascades and targets. It is
// one document and is not paged; a filter keeps the matching tasks with
// the sections above them. audiences and units list what the filters can
// take.
type ItemTable struct {
	Plan      plan.Plan      `json:"plan"`
	Items     []plan.Item    `json:"items"`
	Audiences []string       `json:"audiences"`
	Units     []plan.UnitRef `json:"units"`
}

// getTable reads the decomposition table, narrowed by ?unit_id=,
// ?audience= and ?status=.
func (s *Server) getTable(r *http.Request, id int64) (*ItemTable, error) {
	q := r.URL.Query()
	unitID, err := queryID(r, "unit_id", "单位编号")
	if err != nil {
		return nil, err
	}
	st := plan.ItemStatus(strings.TrimSpace(q.Get("status")))
	if st != "" && !st.Valid() {
		return nil, core.Invalid("status", "任务状态应为 open（进行中）、closed（已办结）或 cancelled（已取消）")
	}
	t, err := s.Plan.Table(r.Context(), id, plan.Filter{UnitID: unitID, Audience: strings.TrimSpace(q.Get("audience")), Status: st})
	if err != nil {
		return nil, err
	}
	return &ItemTable{Plan: *t.Plan, Items: orEmpty(t.Items), Audiences: orEmpty(t.Audiences), Units: orEmpty(t.Units)}, nil
}

func (s *Server) addItem(ctx context.Context, id int64, in ItemCreate) (*plan.Item, error) {
	return s.Plan.AddItem(ctx, id, plan.ItemInput{ParentID: in.ParentID, Kind: in.Kind, Marker: in.Marker, Title: in.Title,
		Content: in.Content, Schedule: in.Schedule, Audience: in.Audience, Lead: in.Lead, Responsible: in.Responsible,
		Cascade: in.Cascade, CascadeText: in.CascadeText, Targets: in.Targets, ServesItem: in.ServesItem})
}

func (s *Server) getItem(r *http.Request, id int64) (*plan.Item, error) {
	it, _, err := s.Plan.GetItem(r.Context(), id)
	return it, err
}

func (s *Server) updateItem(ctx context.Context, id int64, in ItemPut) (*plan.Item, error) {
	v, err := version(in.Version)
	if err != nil {
		return nil, err
	}
	return s.Plan.UpdateItem(ctx, id, plan.ItemInput{Kind: in.Kind, Marker: in.Marker, Title: in.Title,
		Content: in.Content, Schedule: in.Schedule, Audience: in.Audience, Lead: in.Lead, Responsible: in.Responsible,
		Cascade: in.Cascade, CascadeText: in.CascadeText, Targets: in.Targets, ServesItem: in.ServesItem, Version: v})
}

// deleteItem deletes an item of a draft with everything below it; a
// published plan's tasks are closed or cancelled instead (409).
func (s *Server) deleteItem(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var v int64
	if err == nil {
		v, err = queryVersion(r)
	}
	if err == nil {
		err = s.Plan.DeleteItem(r.Context(), id, v)
	}
	s.reply(w, r, http.StatusNoContent, nil, err)
}

func (s *Server) setItemStatus(ctx context.Context, id int64, in ItemStatusChange) (*plan.Item, error) {
	v, err := version(in.Version)
	if err != nil {
		return nil, err
	}
	return s.Plan.SetItemStatus(ctx, id, v, in.Status, in.Reason)
}
