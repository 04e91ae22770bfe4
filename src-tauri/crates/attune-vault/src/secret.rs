//! Secret values that wipe themselves from memory when dropped.

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// A passphrase typed by a person. Normalised to Unicode NFC so the same words typed on
/// another keyboard layout or input method give the same key. Never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Passphrase(String);

impl Passphrase {
    pub fn new(text: impl Into<String>) -> Self {
        use unicode_normalization::UnicodeNormalization;
        let mut raw: String = text.into();
        let normalised: String = raw.nfc().collect();
        raw.zeroize();
        Passphrase(normalised)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(<hidden>)")
    }
}

/// The 256-bit key the SQLCipher database is encrypted with.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct VaultKey(pub(crate) [u8; 32]);

impl VaultKey {
    /// The raw key. Only the attack tests use it (to open the database behind Attune's back,
    /// as anyone holding a passphrase and the folder could with their own code).
    #[doc(hidden)]
    pub fn expose_for_attack_tests(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn random(rng: &mut impl crate::SecureRng) -> Self {
        let mut k = [0u8; 32];
        rand::RngCore::fill_bytes(rng, &mut k);
        VaultKey(k)
    }

    /// The `PRAGMA key` / `PRAGMA rekey` statement for this raw key. Built from bytes, never
    /// from input, and wiped after use.
    pub(crate) fn pragma(&self, name: &str) -> Zeroizing<String> {
        let mut hex = Zeroizing::new(hex::encode(self.0));
        let stmt = Zeroizing::new(format!("PRAGMA {name} = \"x'{}'\";", hex.as_str()));
        hex.zeroize();
        stmt
    }
}

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultKey(<hidden>)")
    }
}
