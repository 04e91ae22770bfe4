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
    /// Upper bounds for parameters read from any file (key slots, a backup's slots, a
    /// handover pack), so a hostile file cannot make opening it eat all memory or minutes of
    /// CPU: 1 GiB, 10 passes, 8 lanes (Attune writes 256 MiB, 2, 4).
    pub const MAXIMUM: KdfParams = KdfParams {
        m_kib: 1024 * 1024,
        t: 10,
        p: 8,
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
            return Err(Error::KeySlotsDamaged(format!(
                "it asks for Argon2id parameters beyond the limit ({} KiB, {} passes, {} lanes; at most 1 GiB, 10 passes and 8 lanes are accepted)",
                self.m_kib, self.t, self.p
            )));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_from_a_file_are_capped() {
        assert!(KdfParams::DEFAULT.check().is_ok());
        assert!(KdfParams::MAXIMUM.check().is_ok());
        for p in [
            KdfParams {
                m_kib: 4 * 1024 * 1024,
                ..KdfParams::DEFAULT
            },
            KdfParams {
                t: 11,
                ..KdfParams::DEFAULT
            },
            KdfParams {
                p: 9,
                ..KdfParams::DEFAULT
            },
        ] {
            let e = p.check().unwrap_err().to_string();
            assert!(e.contains("at most 1 GiB"), "{e}");
            // Refused before any memory is asked for.
            assert!(derive(b"x", &[0u8; 16], p).is_err());
        }
    }

    #[test]
    fn every_passphrase_the_tests_use_scores_four() {
        for p in [
            "correct horse battery staple 1917",
            "benchmark orchard lantern quietly 1917",
            "paper lantern orchard violin 4471",
            "plum orchard lantern quietly 42",
            "quiet harbour mosaic tulip 8023",
            "saffron tugboat meadow orbit 57",
            "violet kestrel harbour minutes 88",
            "violet tugboat meadow sings 8",
            "copper kettle meadow sparrow 2208",
        ] {
            let s = crate::strength::assess(
                &crate::Passphrase::new(p),
                &["Hillside Primary", "Ada Lovelace"],
            );
            assert!(s.acceptable, "{p}: score {}", s.score);
        }
        let weak = crate::strength::assess(&crate::Passphrase::new("Summer2024!"), &[]);
        assert!(!weak.acceptable);
    }
}
