package core

// Page asks a list query for one page. Lists always paginate.
type Page struct {
	Offset int
	Limit  int
}

// MaxPageSize caps one page of any list.
const MaxPageSize = 500

// Normalize clamps Offset and Limit into range, 50 by default.
func (p Page) Normalize() Page {
	if p.Limit <= 0 {
		p.Limit = 50
	}
	if p.Limit > MaxPageSize {
		p.Limit = MaxPageSize
	}
	if p.Offset < 0 {
		p.Offset = 0
	}
	return p
}

// Date layout used for calendar dates everywhere (stored as text).
const DateLayout = "2006-01-02"
