// Package notify tells users what needs them: in-app notifications, e-mail
// over SMTP when a server is configured, reminders before and after a
// deadline, and an optional daily digest.
package notify

import (
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/job"
)

// Service records notifications and sends their e-mail.
type Service struct {
	DB    *db.DB
	Clock core.Clock
	Jobs  *job.Queue
}
