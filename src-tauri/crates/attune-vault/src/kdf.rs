//! Argon2id: the only way a passphrase or a recovery key becomes a key.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Argon2id cost, stored in each key slot so it can be raised later without orphaning
/// older slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// Calibrated on the 2-core reference machine to about half a second in a release
    /// build (see the closing note of issue 2 and `attune-admin bench-kdf`).
    pub const DEFAULT: KdfParams = KdfParams {
        m_kib: 256 * 1024,
        t: 2,
        p: 4,
    };
    /// Slots weaker than this are refused: never below 64 MiB, never a single pass.
    pub const MINIMUM: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 2,
        p: 1,
    };
    /// Upper bounds, so a hostile key-slot file cannot make unlocking eat all memory.
    const MAXIMUM: KdfParams = KdfParams {
        m_kib: 4 * 1024 * 1024,
        t: 64,
        p: 64,
    };

    pub fn check(&self) -> Result<()> {
        if self.m_kib < Self::MINIMUM.m_kib || self.t < Self::MINIMUM.t || self.p < Self::MINIMUM.p
        {
            return Err(Error::KeySlotsDamaged(format!(
                "a key slot asks for Argon2id parameters weaker than allowed ({} KiB, {} passes, {} lanes)",
                self.m_kib, self.t, self.p
            )));
        }
        if self.m_kib > Self::MAXIMUM.m_kib || self.t > Self::MAXIMUM.t || self.p > Self::MAXIMUM.p
        {
            return Err(Error::KeySlotsDamaged(
                "a key slot asks for Argon2id parameters beyond any this program writes".into(),
            ));
        }
        Ok(())
    }

    pub fn to_bytes(self) -> [u8; 12] {
        let mut out = [0u8; 12];
        out[..4].copy_from_slice(&self.m_kib.to_le_bytes());
        out[4..8].copy_from_slice(&self.t.to_le_bytes());
        out[8..].copy_from_slice(&self.p.to_le_bytes());
        out
    }
}

/// Derive a 256-bit key from `secret` with Argon2id.
pub fn derive(secret: &[u8], salt: &[u8], params: KdfParams) -> Result<Zeroizing<[u8; 32]>> {
    params.check()?;
    let p = argon2::Params::new(params.m_kib, params.t, params.p, Some(32))
        .map_err(|e| Error::KeySlotsDamaged(format!("unusable Argon2id parameters: {e}")))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, p);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(secret, salt, out.as_mut())
        .map_err(|e| Error::Internal(format!("Argon2id failed: {e}")))?;
    Ok(out)
}
