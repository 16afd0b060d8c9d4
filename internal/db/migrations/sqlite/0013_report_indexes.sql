-- Indexes for the deadline-day path of the reports (issue 4). A submitted
-- or reviewed report notifies the body's office and the unit's liaisons:
-- both lookups start from user_bodies by body and from users by unit, and
-- neither had an index (a sequential scan of every account per submission,
-- inside the writing transaction, at province scale ~3,300 accounts).
CREATE INDEX user_bodies_body ON user_bodies (body_id, user_id);
CREATE INDEX users_unit ON users (unit_id, role);
