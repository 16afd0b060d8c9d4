package job

import "context"

// Test hooks: the external tests (package job_test, which may import
// testkit) play a dead instance with them.

// Claim takes one due job without running it.
func (q *Queue) Claim(ctx context.Context) (Job, bool, error) { return q.claim(ctx) }

// Finish records the outcome of a run of j.
func (q *Queue) Finish(ctx context.Context, j Job, err error) error { return q.finish(ctx, j, err) }
