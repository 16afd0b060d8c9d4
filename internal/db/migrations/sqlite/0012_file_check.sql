-- How far an uploaded file has been checked (issue 4, deadline-day cost).
-- An upright JPEG is accepted after a structural check of its segments and
-- entropy-coded data ('pending'); a "file.verify" job then decodes it in
-- full, makes its thumbnail and marks it 'verified', or 'damaged' when it
-- does not decode (the uploader is told to upload it again). Every other
-- file is checked in full before its row exists. Rows from before this
-- migration were all decoded on upload: 'verified'.
ALTER TABLE files ADD COLUMN checked TEXT NOT NULL DEFAULT 'verified'
    CHECK (checked IN ('pending', 'verified', 'damaged'));
