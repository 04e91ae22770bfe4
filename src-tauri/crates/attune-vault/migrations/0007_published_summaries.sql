-- What each anonymised summary export published (issue 11), kept inside the encrypted vault so
-- that a later export of an overlapping period (a term and the school year containing it, or the
-- same period at another k) is audited together with it and withholds more where differencing
-- the two would give a withheld figure away. `summary` is the exported attune-summary/1 JSON
-- (what left the school); `figures` the true value behind each of its counts and amounts, which
-- the audit needs to know what each withheld figure must still be able to be. Never exported.
CREATE TABLE published_summaries (
    id INTEGER PRIMARY KEY,
    start_year INTEGER NOT NULL,
    term TEXT,
    k INTEGER NOT NULL,
    exported_at TEXT NOT NULL,
    summary TEXT NOT NULL,
    figures TEXT NOT NULL
);

CREATE INDEX published_summaries_year ON published_summaries (start_year);
