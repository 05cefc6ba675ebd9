-- Photos of a job. A row is made when an upload is granted ('uploading');
-- it is listed only once its bytes were checked and the two stored sizes
-- (display and thumbnail, keyed by job and id) were written ('ready').
CREATE TABLE photos (
    id TEXT PRIMARY KEY NOT NULL,
    job_id TEXT NOT NULL REFERENCES jobs (id),
    uploader_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('problem', 'before', 'diagnostic', 'parts', 'after')),
    caption TEXT,
    state TEXT NOT NULL CHECK (state IN ('uploading', 'ready')),
    byte_size BIGINT NOT NULL,               -- as declared for the upload
    content_type TEXT NOT NULL,              -- as declared; the bytes decide
    width BIGINT,                            -- of the display size, once ready
    height BIGINT,
    created_at BIGINT NOT NULL,
    ready_at BIGINT
);
CREATE INDEX photos_job ON photos (job_id, created_at);
-- Uploads never finished are found by age and removed.
CREATE INDEX photos_state ON photos (state, created_at);
