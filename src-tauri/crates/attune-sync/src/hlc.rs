//! Hybrid logical clocks (Kulkarni et al., "Logical Physical Clocks", 2014).
//!
//! A timestamp is `(wall_ms, counter, device)`: the wall part never runs backwards on one
//! laptop even when its clock does, the counter orders events within one millisecond (or
//! while the wall clock lags behind a timestamp already seen), and the device id breaks the
//! last tie, so any two timestamps from different laptops are ordered the same way
//! everywhere. Causality holds across laptops with skewed clocks: a change made after a
//! laptop *received* a change is stamped later than it, whatever the two wall clocks say.
//!
//! The wall time is always passed in (milliseconds since the Unix epoch); nothing here
//! reads the clock.
//!
//! Serialised forms, both ordered exactly as the timestamps are:
//! - 16 bytes (`to_bytes`): 48-bit wall ms, 16-bit counter, 64-bit device, big-endian;
//! - 32 lower-case hex characters (`to_text`), for a SQLite `TEXT` column whose byte order
//!   (SQLite's default `BINARY` collation) is the timestamps' order.

use std::fmt;

use crate::error::{Error, Result};

/// The largest wall time a timestamp can hold: 2^48 − 1 ms, the year 10889.
pub const MAX_WALL_MS: u64 = (1 << 48) - 1;

/// How far ahead of this laptop's own clock a received timestamp may be before it is refused:
/// a laptop whose clock is set years ahead must not drag every other clock with it.
pub const DEFAULT_MAX_DRIFT_MS: u64 = 24 * 60 * 60 * 1000;

/// The id of one vault replica (the school vault or one laptop), assigned at enrolment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceId(pub u64);

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// One hybrid logical timestamp. The derived order (wall, then counter, then device) is the
/// total order every replica uses for last-writer-wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hlc {
    wall_ms: u64,
    counter: u16,
    device: DeviceId,
}

impl Hlc {
    /// The smallest timestamp (what a record that has never been written is "stamped" with).
    pub const ZERO: Hlc = Hlc {
        wall_ms: 0,
        counter: 0,
        device: DeviceId(0),
    };

    pub fn new(wall_ms: u64, counter: u16, device: DeviceId) -> Result<Hlc> {
        if wall_ms > MAX_WALL_MS {
            return Err(Error::InvalidInput(
                "a sync timestamp is beyond the year 10889".into(),
            ));
        }
        Ok(Hlc {
            wall_ms,
            counter,
            device,
        })
    }

    pub fn wall_ms(&self) -> u64 {
        self.wall_ms
    }
    pub fn counter(&self) -> u16 {
        self.counter
    }
    pub fn device(&self) -> DeviceId {
        self.device
    }

    pub fn to_bytes(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&((self.wall_ms << 16) | u64::from(self.counter)).to_be_bytes());
        out[8..].copy_from_slice(&self.device.0.to_be_bytes());
        out
    }

    pub fn from_bytes(b: &[u8]) -> Result<Hlc> {
        let b: &[u8; 16] = b
            .try_into()
            .map_err(|_| Error::InvalidInput("a sync timestamp must be 16 bytes".into()))?;
        let hi = u64::from_be_bytes(b[..8].try_into().expect("8 bytes"));
        let device = u64::from_be_bytes(b[8..].try_into().expect("8 bytes"));
        Ok(Hlc {
            wall_ms: hi >> 16,
            counter: (hi & 0xffff) as u16,
            device: DeviceId(device),
        })
    }

    pub fn to_text(&self) -> String {
        hex::encode(self.to_bytes())
    }

    pub fn from_text(s: &str) -> Result<Hlc> {
        // Lower case only, so that one timestamp has one text form (and text order = order).
        if s.len() != 32 || !s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(Error::InvalidInput(
                "a sync timestamp must be 32 lower-case hexadecimal characters".into(),
            ));
        }
        let bytes = hex::decode(s).map_err(|_| Error::InvalidInput("bad timestamp".into()))?;
        Hlc::from_bytes(&bytes)
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// The clock of one replica: the last timestamp it issued or saw. Persist `last()` (for
/// example in the vault's settings) and restore it with `Clock::resume`, so a restarted
/// laptop whose wall clock went backwards still never issues a smaller timestamp.
#[derive(Debug, Clone)]
pub struct Clock {
    device: DeviceId,
    wall_ms: u64,
    counter: u16,
    max_drift_ms: u64,
}

impl Clock {
    pub fn new(device: DeviceId) -> Clock {
        Clock {
            device,
            wall_ms: 0,
            counter: 0,
            max_drift_ms: DEFAULT_MAX_DRIFT_MS,
        }
    }

    /// Continue from the last timestamp this replica issued or saw.
    pub fn resume(device: DeviceId, last: Hlc) -> Clock {
        Clock {
            device,
            wall_ms: last.wall_ms,
            counter: last.counter,
            max_drift_ms: DEFAULT_MAX_DRIFT_MS,
        }
    }

    pub fn with_max_drift_ms(mut self, ms: u64) -> Clock {
        self.max_drift_ms = ms;
        self
    }

    pub fn device(&self) -> DeviceId {
        self.device
    }

    /// The last timestamp issued or seen, stamped with this device.
    pub fn last(&self) -> Hlc {
        Hlc {
            wall_ms: self.wall_ms,
            counter: self.counter,
            device: self.device,
        }
    }

    /// A timestamp for a local change at wall time `now_ms`: strictly greater than every
    /// timestamp this clock issued or received before.
    pub fn tick(&mut self, now_ms: u64) -> Result<Hlc> {
        let now_ms = now_ms.min(MAX_WALL_MS);
        if now_ms > self.wall_ms {
            self.wall_ms = now_ms;
            self.counter = 0;
        } else {
            self.bump()?;
        }
        Ok(self.last())
    }

    /// Take in a timestamp received from another replica (at wall time `now_ms`), so that
    /// every later `tick` is greater than it. A timestamp more than the allowed drift ahead
    /// of `now_ms` is refused and changes nothing.
    pub fn observe(&mut self, remote: Hlc, now_ms: u64) -> Result<()> {
        if remote.wall_ms > now_ms.saturating_add(self.max_drift_ms) {
            return Err(Error::ClockAhead {
                device: remote.device,
                ahead_ms: remote.wall_ms - now_ms,
            });
        }
        let now_ms = now_ms.min(MAX_WALL_MS);
        let wall = self.wall_ms.max(remote.wall_ms).max(now_ms);
        let local_same = wall == self.wall_ms;
        let remote_same = wall == remote.wall_ms;
        let (wall_ms, counter) = match (local_same, remote_same) {
            (true, true) => (wall, self.counter.max(remote.counter)),
            (true, false) => (wall, self.counter),
            (false, true) => (wall, remote.counter),
            (false, false) => {
                self.wall_ms = wall;
                self.counter = 0;
                return Ok(());
            }
        };
        // The next tick must be above (wall_ms, counter): record it as "seen".
        self.wall_ms = wall_ms;
        self.counter = counter;
        Ok(())
    }

    fn bump(&mut self) -> Result<()> {
        if self.counter == u16::MAX {
            // 65 536 events in one millisecond (or a wall clock stuck far behind): borrow
            // the next millisecond rather than wrap.
            if self.wall_ms >= MAX_WALL_MS {
                return Err(Error::InvalidInput(
                    "the sync clock has reached its last timestamp".into(),
                ));
            }
            self.wall_ms += 1;
            self.counter = 0;
        } else {
            self.counter += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_bytes_round_trip_and_keep_order() {
        let a = Hlc::new(1_700_000_000_000, 3, DeviceId(7)).unwrap();
        let b = Hlc::new(1_700_000_000_000, 3, DeviceId(8)).unwrap();
        assert!(a < b);
        assert!(a.to_text() < b.to_text());
        assert_eq!(Hlc::from_text(&a.to_text()).unwrap(), a);
        assert_eq!(Hlc::from_bytes(&a.to_bytes()).unwrap(), a);
        assert!(Hlc::from_text(&a.to_text().to_uppercase()).is_err());
        assert!(Hlc::from_text("00").is_err());
        assert!(Hlc::new(MAX_WALL_MS + 1, 0, DeviceId(1)).is_err());
    }

    #[test]
    fn a_clock_that_goes_backwards_still_ticks_forwards() {
        let mut c = Clock::new(DeviceId(1));
        let a = c.tick(10_000).unwrap();
        let b = c.tick(5_000).unwrap();
        assert!(b > a);
        assert_eq!(b.wall_ms(), 10_000);
    }

    #[test]
    fn a_timestamp_far_ahead_is_refused_and_changes_nothing() {
        let mut c = Clock::new(DeviceId(1));
        let before = c.tick(1_000).unwrap();
        let far = Hlc::new(1_000 + DEFAULT_MAX_DRIFT_MS + 1, 0, DeviceId(2)).unwrap();
        assert!(matches!(
            c.observe(far, 1_000),
            Err(Error::ClockAhead { .. })
        ));
        assert_eq!(c.last(), before);
    }

    #[test]
    fn the_counter_borrows_a_millisecond_instead_of_wrapping() {
        let mut c = Clock::resume(
            DeviceId(1),
            Hlc::new(50, u16::MAX - 1, DeviceId(1)).unwrap(),
        );
        let a = c.tick(10).unwrap();
        let b = c.tick(10).unwrap();
        assert_eq!((a.wall_ms(), a.counter()), (50, u16::MAX));
        assert_eq!((b.wall_ms(), b.counter()), (51, 0));
        assert!(b > a);
    }
}
