//! The payload of a sync file: a list of changes, each `(origin device, seq, HLC,
//! SQLite changeset bytes)`, length-prefixed. Needs no SQLite, so the fuzz target can
//! reach it without libclang.
//!
//! ```text
//!  "ASB1", count (u32), then per change: origin (u64), seq (u64), HLC (16 bytes),
//!  dependency count D (u16), D × (origin u64, seq u64), changeset length (u32), changeset bytes — all big-endian, nothing after the last
//! ```

use crate::error::{Error, Result};
use crate::hlc::{DeviceId, Hlc};

/// One local transaction's changes, as it travels between replicas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub origin: DeviceId,
    pub seq: u64,
    pub hlc: Hlc,
    /// What the writer had applied from other origins when it made this change
    /// (origin, highest seq), sorted by origin: a replica applies the change only after
    /// those, so an edit never arrives before the record it edits (causal delivery).
    pub deps: Vec<(DeviceId, u64)>,
    /// SQLite changeset bytes.
    pub changeset: Vec<u8>,
}

/// Dependencies one change may name.
pub const MAX_DEPS: usize = 1024;

/// Dependencies as stored in a vault's `sync_log`: 16 bytes each.
pub fn encode_deps(deps: &[(DeviceId, u64)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 * deps.len());
    for (d, s) in deps {
        out.extend_from_slice(&d.0.to_be_bytes());
        out.extend_from_slice(&s.to_be_bytes());
    }
    out
}

pub fn decode_deps(b: &[u8]) -> Result<Vec<(DeviceId, u64)>> {
    if b.len() % 16 != 0 || b.len() / 16 > MAX_DEPS {
        return Err(Error::Damaged("the dependencies of a change are malformed"));
    }
    let deps: Vec<(DeviceId, u64)> = b
        .chunks_exact(16)
        .map(|c| {
            (
                DeviceId(u64::from_be_bytes(c[..8].try_into().expect("8"))),
                u64::from_be_bytes(c[8..].try_into().expect("8")),
            )
        })
        .collect();
    if deps.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(Error::Damaged(
            "the dependencies of a change are out of order",
        ));
    }
    Ok(deps)
}

const BATCH_MAGIC: &[u8; 4] = b"ASB1";
/// Changes one batch may hold, and bytes one changeset may have.
pub const MAX_BATCH_CHANGES: usize = 1_000_000;
pub const MAX_CHANGESET: usize = 64 * 1024 * 1024;

/// Write a batch.
pub fn encode_batch(changes: &[Change]) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        8 + changes
            .iter()
            .map(|c| 38 + 16 * c.deps.len() + c.changeset.len())
            .sum::<usize>(),
    );
    out.extend_from_slice(BATCH_MAGIC);
    out.extend_from_slice(&(changes.len() as u32).to_be_bytes());
    for c in changes {
        out.extend_from_slice(&c.origin.0.to_be_bytes());
        out.extend_from_slice(&c.seq.to_be_bytes());
        out.extend_from_slice(&c.hlc.to_bytes());
        out.extend_from_slice(&(c.deps.len() as u16).to_be_bytes());
        out.extend_from_slice(&encode_deps(&c.deps));
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
        let s = bytes
            .get(at..at.checked_add(n).ok_or_else(bad)?)
            .ok_or_else(bad)?;
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
        let n_deps = usize::from(u16::from_be_bytes(take(2)?.try_into().expect("2")));
        if n_deps > MAX_DEPS {
            return Err(bad());
        }
        let deps = decode_deps(take(16 * n_deps)?)?;
        let len = u32::from_be_bytes(take(4)?.try_into().expect("4")) as usize;
        if len > MAX_CHANGESET || seq == 0 {
            return Err(bad());
        }
        let changeset = take(len)?.to_vec();
        out.push(Change {
            origin,
            seq,
            hlc,
            deps,
            changeset,
        });
    }
    if at != bytes.len() {
        return Err(bad());
    }
    Ok(out)
}
