package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"liandong/internal/core"
	"liandong/internal/datacall"
	"liandong/internal/file"
	"liandong/internal/httpx"
)

// The addressee's pages: the submission form (documents, captioned
// photos, form fields) with save and submit, and the office's view of one
// submission with accept and return.

type submissionPage struct {
	Base
	Mine     *datacall.Mine
	Items    []itemView
	Version  int64
	Token    string
	Editable bool
	Overdue  bool
	Closed   bool
}

type itemView struct {
	Item    datacall.Item
	Files   []datacall.SubFile
	Slots   []int  // empty upload inputs for photos
	Accept  string // the file input's accept attribute
	Answers map[string]string
	Error   string
}

// viewOf lays out in (the saved submission or what was just posted) by
// item for the form.
func viewOf(c *datacall.Call, in datacall.DraftInput, errs map[string]string) []itemView {
	var out []itemView
	for _, it := range c.Items {
		v := itemView{Item: it, Answers: in.Answers[strconv.FormatInt(it.ID, 10)], Error: errs[fmt.Sprintf("item_%d", it.ID)]}
		for _, f := range in.Files {
			if f.ItemID == it.ID {
				v.Files = append(v.Files, f)
			}
		}
		switch it.Kind {
		case datacall.Photos:
			v.Accept = "image/jpeg,image/png,.jpg,.jpeg,.png"
			if it.JPEGOnly {
				v.Accept = "image/jpeg,.jpg,.jpeg"
			}
			for n := len(v.Files) + 1; n <= it.MaxCount && n <= len(v.Files)+4; n++ {
				v.Slots = append(v.Slots, n)
			}
		case datacall.Document:
			v.Accept = ".pdf,.docx,.xlsx,.doc,.xls,.wps,.ofd"
		}
		out = append(out, v)
	}
	return out
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) showMySubmission(w http.ResponseWriter, r *http.Request) {
	id, err := callID(r)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	m, err := s.Calls.MySubmission(r.Context(), id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	var in datacall.DraftInput
	if m.Submission != nil {
		in = datacall.DraftInput{Version: m.Submission.Version, Answers: m.Submission.Answers, Files: m.Submission.Files}
	}
	s.renderSubmission(w, r, nil, m, in)
}

func (s *Server) renderSubmission(w http.ResponseWriter, r *http.Request, err error, m *datacall.Mine, in datacall.DraftInput) {
	p := &submissionPage{Base: s.base(r, m.Call.Title), Mine: m, Version: in.Version, Token: newToken(),
		Editable: m.Submission.Editable() && m.Call.Status == datacall.Open,
		Overdue:  m.Call.Overdue(s.Clock.Now()), Closed: m.Call.Status == datacall.Closed}
	if err != nil {
		p.Errors = core.FieldErrors(err)
		p.Error = core.ErrorMessage(err)
		if len(p.Errors) > 0 {
			p.Error = "材料未保存，请按提示补充或修改。已上传的文件已保留，无需重新上传。"
		}
	}
	p.Items = viewOf(m.Call, in, p.Errors)
	s.renderForm(w, r, err, "call/submission", p)
}

// postMySubmission takes the multipart submission form: kept files
// (keep_<item>, with caption_<file>), new uploads (file_<item>_<n>, with
// newcaption_<item>_<n>), form fields (item_<item>_<key>), and action
// save or submit. Uploads are stored as they stream in; when the form is
// refused, they are shown as kept files so the user need not upload them
// again, and nothing else is saved.
func (s *Server) postMySubmission(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := callID(r)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	m, err := s.Calls.MySubmission(ctx, id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	type upload struct {
		field string
		f     *file.File
	}
	var ups []upload
	var soFar url.Values // the text fields before the last file, kept if a file is refused
	vals, err := httpx.ReadMultipart(r, httpx.MultipartLimits{MaxFiles: 40}, func(field, name string, body io.Reader, fields url.Values) error {
		soFar = fields
		var item int64
		var n int
		if c, _ := fmt.Sscanf(field, "file_%d_%d", &item, &n); c != 2 || m.Call.Item(item) == nil {
			return core.Invalid(field, "未知的文件字段")
		}
		kind := file.Document
		if m.Call.Item(item).Kind == datacall.Photos {
			kind = file.Photo
		}
		f, err := s.Calls.Upload(ctx, name, body, kind)
		if err != nil {
			if ce, ok := err.(*core.Error); ok && ce.Field == "file" {
				ce.Field = fmt.Sprintf("item_%d", item)
				ce.Message = fmt.Sprintf("“%s”：%s", m.Call.Item(item).Label, ce.Message)
			}
			return err
		}
		ups = append(ups, upload{field, f})
		return nil
	})
	uploaded := func(item int64, n int) *file.File {
		for _, u := range ups {
			if u.field == fmt.Sprintf("file_%d_%d", item, n) {
				return u.f
			}
		}
		return nil
	}
	if err != nil {
		// A refused file: show the form again with what was typed before
		// it and the files that were accepted, so nothing is typed twice.
		err = httpx.UploadError(err)
		if vals == nil {
			vals = soFar
		}
		s.renderSubmission(w, r, err, m, draftOf(m, vals, uploaded))
		return
	}
	in := draftOf(m, vals, uploaded)
	var res *datacall.Submission
	submit := vals.Get("action") == "submit"
	if submit {
		res, err = s.Calls.Submit(ctx, id, in)
	} else {
		res, err = s.Calls.SaveDraft(ctx, id, in)
	}
	if err != nil {
		s.renderSubmission(w, r, err, m, in)
		return
	}
	flash := "saved"
	if submit && res.Status == datacall.Submitted {
		flash = "call_submitted"
	}
	http.Redirect(w, r, fmt.Sprintf("/calls/%d/submission?flash=%s", id, flash), http.StatusSeeOther)
}

// draftOf reads the posted form into a DraftInput. newFile finds the
// upload of slot n of an item (nil when a form is re-read after an error).
func draftOf(m *datacall.Mine, v url.Values, newFile func(item int64, n int) *file.File) datacall.DraftInput {
	if v == nil {
		v = url.Values{}
	}
	in := datacall.DraftInput{Answers: map[string]map[string]string{}, Token: v.Get("token")}
	in.Version, _ = strconv.ParseInt(v.Get("version"), 10, 64)
	removed := map[string]bool{}
	for _, x := range v["remove"] {
		removed[x] = true
	}
	for _, it := range m.Call.Items {
		key := strconv.FormatInt(it.ID, 10)
		switch it.Kind {
		case datacall.Form:
			ans := map[string]string{}
			for _, fd := range it.Fields {
				if x := v.Get(fmt.Sprintf("item_%d_%s", it.ID, fd.Key)); x != "" {
					ans[fd.Key] = x
				}
			}
			in.Answers[key] = ans
			continue
		}
		var files []datacall.SubFile
		for _, x := range v["keep_"+key] {
			fid := orgParseID(x)
			if fid == 0 || removed[x] {
				continue
			}
			files = append(files, datacall.SubFile{ItemID: it.ID, FileID: fid, Caption: v.Get("caption_" + x)})
		}
		if newFile != nil {
			for n := 1; n <= max(it.MaxCount, 1)+4; n++ {
				if f := newFile(it.ID, n); f != nil {
					sf := datacall.SubFile{ItemID: it.ID, FileID: f.ID, File: f,
						Caption: v.Get(fmt.Sprintf("newcaption_%d_%d", it.ID, n))}
					if it.Kind == datacall.Document {
						files = nil // a new document replaces the kept one
					}
					files = append(files, sf)
				}
			}
		}
		in.Files = append(in.Files, files...)
	}
	return in
}

// showSubmission shows one submission to the office (with accept and
// return) or to its addressee.
type reviewPage struct {
	Base
	Mine      *datacall.Mine
	Items     []itemView
	CanReview bool
}

func (s *Server) showSubmission(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	s.renderCallReview(w, r, id, nil, "")
}

func (s *Server) renderCallReview(w http.ResponseWriter, r *http.Request, id int64, err error, reason string) {
	m, gerr := s.Calls.Submission(r.Context(), id)
	if gerr != nil {
		s.Guard.Error(w, r, 0, gerr)
		return
	}
	a := core.ActorFrom(r.Context())
	p := &reviewPage{Base: s.base(r, m.Addressee.Name+" · "+m.Call.Title), Mine: m,
		CanReview: a.Role == core.RoleOffice && a.InBody(m.Call.BodyID) && m.Submission.Status == datacall.Submitted}
	p.Items = viewOf(m.Call, datacall.DraftInput{Answers: m.Submission.Answers, Files: m.Submission.Files}, nil)
	if err != nil {
		p.Errors, p.Error = core.FieldErrors(err), core.ErrorMessage(err)
	}
	_ = reason
	s.renderForm(w, r, err, "call/review", p)
}

func (s *Server) reviewSubmission(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.Guard.Error(w, r, http.StatusBadRequest, core.Invalid("reason", "表单无效"))
		return
	}
	rv := datacall.Review{Accept: r.PostForm.Get("decision") == "accept", Reason: r.PostForm.Get("reason")}
	rv.Version, _ = strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	if err := s.Calls.ReviewSubmission(r.Context(), id, rv); err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			s.renderCallReview(w, r, id, err, rv.Reason)
			return
		}
		s.Guard.Error(w, r, 0, err)
		return
	}
	flash := "call_returned"
	if rv.Accept {
		flash = "call_accepted"
	}
	m, err := s.Calls.Submission(r.Context(), id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/calls/%d?flash=%s", m.Call.ID, flash), http.StatusSeeOther)
}

// submissionFile serves one file of a submission (E5 headers), a photo's
// thumbnail with ?thumb=1, shown inline.
func (s *Server) submissionFile(w http.ResponseWriter, r *http.Request) {
	sub, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	fid, err := orgPathID(r, "file")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	v := file.Original
	if r.URL.Query().Get("thumb") == "1" {
		v = file.Thumb
	}
	f, rc, err := s.Calls.OpenFile(r.Context(), sub, fid, v)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	defer rc.Close()
	d := httpx.Download{Name: f.Name, ContentType: f.ContentType, Size: f.Size, Inline: v == file.Thumb}
	if v == file.Thumb {
		d.ContentType, d.Size = "image/jpeg", 0
	}
	httpx.ServeFile(w, r, d, rc)
}
