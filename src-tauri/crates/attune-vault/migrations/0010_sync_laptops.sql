-- Issue 17: the school vault's register of the laptops it has prepared (enrolment files), one
-- row per device number handed out (1..=4095; the school itself is device 0). Local to the
-- school vault: never copied to a laptop.
CREATE TABLE sync_laptops (
    device_no   INTEGER PRIMARY KEY CHECK (device_no BETWEEN 1 AND 4095),
    user_id     TEXT NOT NULL REFERENCES users (id),
    enrolled_at TEXT NOT NULL
) STRICT;

-- Issue 17: the highest id this vault has handed out in each record table. Without it the
-- next id is one more than the highest row still there, so erasing the newest pupil (or a
-- team rewritten) would hand its id out again — and once deletions travel as tombstones, the
-- new record would be erased at the other end. Local: each device's own counter.
CREATE TABLE sync_id_high (
    tbl  TEXT PRIMARY KEY NOT NULL,
    high INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
