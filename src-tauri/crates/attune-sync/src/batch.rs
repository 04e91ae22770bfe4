//! The payload of a sync file: a list of changes, each `(origin device, seq, HLC,
//! SQLite changeset bytes)`, length-prefixed. Needs no SQLite, so the fuzz target can
//! reach it without libclang.
//!
//! ```text
//!  "ASB1", count (u32), then per change: origin (u64), seq (u64), HLC (16 bytes),
//!  changeset length (u32), changeset bytes — all big-endian, nothing after the last
//! ```

use crate::error::{Error, Result};
use crate::hlc::{DeviceId, Hlc};

/// One local transaction's changes, as it travels between replicas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub origin: DeviceId,
    pub seq: u64,
    pub hlc: Hlc,
    /// SQLite changeset bytes.
    pub changeset: Vec<u8>,
}

const BATCH_MAGIC: &[u8; 4] = b"ASB1";
/// Changes one batch may hold, and bytes one changeset may have.
pub const MAX_BATCH_CHANGES: usize = 1_000_000;
pub const MAX_CHANGESET: usize = 64 * 1024 * 1024;

/// Write a batch.
pub fn encode_batch(changes: &[Change]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + changes.iter().map(|c| 36 + c.changeset.len()).sum::<usize>());
    out.extend_from_slice(BATCH_MAGIC);
    out.extend_from_slice(&(changes.len() as u32).to_be_bytes());
    for c in changes {
        out.extend_from_slice(&c.origin.0.to_be_bytes());
        out.extend_from_slice(&c.seq.to_be_bytes());
        out.extend_from_slice(&c.hlc.to_bytes());
        out.extend_from_slice(&(c.changeset.len() as u32).to_be_bytes());
        out.extend_from_slice(&c.changeset);
    }
    out
}

/// Read a batch back, exactly (no trailing bytes). Any bytes: `Ok` or `Err`, never a panic.
pub fn decode_batch(bytes: &[u8]) -> Result<Vec<Change>> {
    let bad = || Error::Damaged("the list of changes is malformed");
    let mut at = 0usize;
    let mut take = |n: usize| -> Result<&[u8]> {
        let s = bytes.get(at..at.checked_add(n).ok_or_else(bad)?).ok_or_else(bad)?;
        at += n;
        Ok(s)
    };
    if take(4)? != BATCH_MAGIC {
        return Err(bad());
    }
    let count = u32::from_be_bytes(take(4)?.try_into().expect("4")) as usize;
    if count > MAX_BATCH_CHANGES {
        return Err(bad());
    }
    let mut out = Vec::with_capacity(count.min(4096));
    for _ in 0..count {
        let origin = DeviceId(u64::from_be_bytes(take(8)?.try_into().expect("8")));
        let seq = u64::from_be_bytes(take(8)?.try_into().expect("8"));
        let hlc = Hlc::from_bytes(take(16)?)?;
        let len = u32::from_be_bytes(take(4)?.try_into().expect("4")) as usize;
        if len > MAX_CHANGESET || seq == 0 {
            return Err(bad());
        }
        let changeset = take(len)?.to_vec();
        out.push(Change {
            origin,
            seq,
            hlc,
            changeset,
        });
    }
    if at != bytes.len() {
        return Err(bad());
    }
    Ok(out)
}
