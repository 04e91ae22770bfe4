-- Issue 17: the school vault's register of the laptops it has prepared (enrolment files), one
-- row per device number handed out (1..=4095; the school itself is device 0). Local to the
-- school vault: never copied to a laptop.
CREATE TABLE sync_laptops (
    device_no   INTEGER PRIMARY KEY CHECK (device_no BETWEEN 1 AND 4095),
    user_id     TEXT NOT NULL REFERENCES users (id),
    enrolled_at TEXT NOT NULL
) STRICT;
