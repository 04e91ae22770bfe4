-- Issue 17: record ids that two laptops never both hand out. Each vault has a device number
-- 0..=4095 (the school vault is 0, and so is every vault made before this migration: no row
-- means device 0); device d gives new records ids in [d * 2^40, (d + 1) * 2^40), the next
-- being one more than the highest id in its own range (attune_vault::ids). Ids stay
-- integers below 2^52 (safe in JavaScript), and every id a vault already holds stays valid
-- and in device 0's range, so no table is rebuilt. Set once, when a laptop joins; a laptop
-- restored from its own backup must join again under a new number.
CREATE TABLE sync_device (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    device_no INTEGER NOT NULL CHECK (device_no BETWEEN 0 AND 4095)
) STRICT;
