//! The key-slot file: how the random vault key is kept, wrapped, outside the database.
//!
//! Layout (version 1), one text file:
//!
//! ```text
//! ATTUNE-KEYSLOTS/1 sha256=<hex of the body bytes>\n
//! <body: JSON, see `Body`>
//! ```
//!
//! Each slot holds an X25519 key pair. Its secret half is wrapped with XChaCha20-Poly1305
//! under a key derived by Argon2id from the slot's passphrase (or the recovery key); the
//! associated data binds the vault id, slot id, kind, user id, name, role, KDF parameters,
//! salt and public key, so editing any of them makes the slot fail to open. The vault key
//! itself is *sealed* to each slot's public key (ephemeral X25519 + HKDF-SHA256 +
//! XChaCha20-Poly1305, bound to vault id, slot id and key epoch). Sealing needs only the
//! public key, so the vault key can be rotated and re-sealed for every remaining slot
//! without anybody's passphrase: that is how removing a user makes their old slot useless.
//!
//! A user slot a strategic lead reset carries `"reset_pending": true` and is wrapped under a
//! one-time code; the flag is in the wrap's associated data only when set, so files written
//! before it existed are byte-for-byte what they were and still open (see [`Slot::reset_pending`]).
//!
//! The checksum line tells a damaged file (a flipped byte, a truncation) apart from a wrong
//! passphrase. It is not a security boundary: the AEAD tags are.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::kdf::{self, KdfParams};
use crate::secret::VaultKey;
use crate::{Role, SecureRng};

const MAGIC: &str = "ATTUNE-KEYSLOTS/1";
const FORMAT_VERSION: u32 = 1;
const WRAP_CONTEXT: &[u8] = b"attune-keyslot-wrap/1";
const SEAL_CONTEXT: &[u8] = b"attune-keyslot-seal/1";
/// Appended to a reset slot's wrap associated data (see [`Slot::reset_pending`]).
const RESET_PENDING: &[u8] = b"reset-pending";
/// Larger files are refused before parsing: a real one is a few KiB per user.
const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotKind {
    User,
    Recovery,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    pub version: u32,
    /// Random id of this vault (hex), bound into every slot.
    pub vault_id: String,
    /// Shown on the unlock screen before anything is decrypted.
    pub school: String,
    pub slots: Vec<Slot>,
    /// The vault's authenticated record (see [`Record`]); absent in files written before it
    /// existed, and added at the next unlock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<Record>,
}

/// What the vault must remember outside its database, authenticated with a MAC under a key
/// derived from the current vault key (so only someone who opened the vault can write it):
/// the key epoch, the users removed (re-applied to whatever database is restored), and the
/// audit chain's head at the last lock (a cut or rewritten tail shows against it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub epoch: u64,
    #[serde(default)]
    pub removed: Vec<Removal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<Anchor>,
    /// The pupils erased from this vault (ids only, never content): any of them found in a
    /// database opened later (a restored backup made before the erasure) is erased again
    /// before anything can read it. Absent from the file (and from the MAC) while empty, so a
    /// vault that never erased anyone keeps the record it had.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erased: Vec<Erasure>,
    /// Hex HMAC-SHA256 over the fields above.
    pub mac: String,
}

/// A pupil erased from the vault: the record id and when (RFC 3339). Nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    pub pupil_id: i64,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    pub user_id: String,
    /// RFC 3339.
    pub at: String,
}

/// The audit chain's head: the newest entry's sequence number and chain MAC (hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub seq: i64,
    pub mac: String,
}

const RECORD_CONTEXT: &[u8] = b"attune-keyslot-record/1";

impl Record {
    fn mac_bytes(
        vault_id: &str,
        key: &VaultKey,
        epoch: u64,
        removed: &[Removal],
        anchor: Option<&Anchor>,
        erased: &[Erasure],
    ) -> Vec<u8> {
        use hmac::Mac;
        let hk = hkdf::Hkdf::<Sha256>::new(Some(vault_id.as_bytes()), &key.0);
        let mut k = Zeroizing::new([0u8; 32]);
        hk.expand(RECORD_CONTEXT, k.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        let mut fields: Vec<Vec<u8>> = vec![
            RECORD_CONTEXT.to_vec(),
            vault_id.as_bytes().to_vec(),
            epoch.to_le_bytes().to_vec(),
            (removed.len() as u64).to_le_bytes().to_vec(),
        ];
        for r in removed {
            fields.push(r.user_id.as_bytes().to_vec());
            fields.push(r.at.as_bytes().to_vec());
        }
        match anchor {
            Some(a) => {
                fields.push(b"anchor".to_vec());
                fields.push(a.seq.to_le_bytes().to_vec());
                fields.push(a.mac.as_bytes().to_vec());
            }
            None => fields.push(b"no-anchor".to_vec()),
        }
        if !erased.is_empty() {
            fields.push(b"erased".to_vec());
            fields.push((erased.len() as u64).to_le_bytes().to_vec());
            for e in erased {
                fields.push(e.pupil_id.to_le_bytes().to_vec());
                fields.push(e.at.as_bytes().to_vec());
            }
        }
        let refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
        let mut m = <hmac::Hmac<Sha256> as Mac>::new_from_slice(k.as_ref())
            .expect("HMAC takes a key of any length");
        m.update(&aad(&refs));
        m.finalize().into_bytes().to_vec()
    }

    /// A record authenticated under `key`.
    pub fn signed(
        vault_id: &str,
        key: &VaultKey,
        epoch: u64,
        removed: Vec<Removal>,
        anchor: Option<Anchor>,
        erased: Vec<Erasure>,
    ) -> Record {
        let mac = hex::encode(Self::mac_bytes(
            vault_id,
            key,
            epoch,
            &removed,
            anchor.as_ref(),
            &erased,
        ));
        Record {
            epoch,
            removed,
            anchor,
            erased,
            mac,
        }
    }

    /// Whether the record was written by someone holding `key`.
    pub fn verify(&self, vault_id: &str, key: &VaultKey) -> bool {
        let expected = hex::encode(Self::mac_bytes(
            vault_id,
            key,
            self.epoch,
            &self.removed,
            self.anchor.as_ref(),
            &self.erased,
        ));
        constant_time_eq(expected.as_bytes(), self.mac.as_bytes())
    }

    pub fn is_removed(&self, user_id: &str) -> bool {
        self.removed.iter().any(|r| r.user_id == user_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub id: String,
    pub kind: SlotKind,
    /// For user slots: the user's id, display name and role (shown on the unlock screen).
    pub user_id: Option<String>,
    pub name: Option<String>,
    pub role: Option<Role>,
    pub kdf: KdfParams,
    pub salt: String,
    pub public_key: String,
    pub wrapped: Ciphertext,
    /// The vault key sealed to `public_key`, one per key epoch (normally exactly one; two
    /// only in the middle of a key rotation).
    pub sealed: Vec<Sealed>,
    /// A user slot a strategic lead reset: it opens with the one-time code the lead was
    /// given ([`crate::recovery::ResetCode`]), and the session it opens may do nothing but
    /// set the user's own passphrase. Absent (false) in every file written before resets
    /// existed, and then not bound into the wrap's associated data, so those files read and
    /// open exactly as before; when true it is bound, so it cannot be edited off (the slot
    /// would stop opening). An older Attune ignores the field and fails to open the slot.
    #[serde(default, skip_serializing_if = "is_false")]
    pub reset_pending: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ciphertext {
    pub nonce: String,
    pub ct: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub epoch: u64,
    pub ephemeral: String,
    pub nonce: String,
    pub ct: String,
}

/// The opened secret half of a slot. Wiped on drop (x25519-dalek's `zeroize` feature).
pub struct SlotSecret(StaticSecret);

impl Body {
    /// Parse a key-slot file. Every failure is `KeySlotsDamaged` with what is wrong; never a
    /// panic, whatever the bytes.
    pub fn parse(bytes: &[u8]) -> Result<Body> {
        let damaged = |why: &str| Error::KeySlotsDamaged(why.to_string());
        if bytes.len() > MAX_FILE_BYTES {
            return Err(damaged(
                "the file is far larger than a key-slot file can be",
            ));
        }
        let nl = bytes
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| damaged("the header line is missing"))?;
        let header =
            std::str::from_utf8(&bytes[..nl]).map_err(|_| damaged("the header is not text"))?;
        let body_bytes = &bytes[nl + 1..];
        let mut parts = header.split(' ');
        match parts.next() {
            Some(MAGIC) => {}
            Some(m) if m.starts_with("ATTUNE-KEYSLOTS/") => {
                return Err(damaged("it was written by a newer version of Attune"))
            }
            _ => return Err(damaged("it is not an Attune key-slot file")),
        }
        let sum = parts
            .next()
            .and_then(|p| p.strip_prefix("sha256="))
            .ok_or_else(|| damaged("the checksum is missing"))?;
        if parts.next().is_some() {
            return Err(damaged("the header has unexpected content"));
        }
        let actual = hex::encode(Sha256::digest(body_bytes));
        if !constant_time_eq(actual.as_bytes(), sum.as_bytes()) {
            return Err(damaged(
                "its checksum does not match: it has been altered or cut short",
            ));
        }
        let body: Body = serde_json::from_slice(body_bytes)
            .map_err(|e| Error::KeySlotsDamaged(format!("its content cannot be read ({e})")))?;
        body.validate()?;
        Ok(body)
    }

    fn validate(&self) -> Result<()> {
        let damaged = |why: String| Err(Error::KeySlotsDamaged(why));
        if self.version != FORMAT_VERSION {
            return damaged(format!("unknown format version {}", self.version));
        }
        if self.slots.is_empty() {
            return damaged("it holds no key slots".into());
        }
        let mut ids = std::collections::HashSet::new();
        for s in &self.slots {
            if !ids.insert(&s.id) {
                return damaged("two key slots share one id".into());
            }
            s.kdf.check()?;
            match s.kind {
                SlotKind::User if s.user_id.is_none() || s.name.is_none() || s.role.is_none() => {
                    return damaged("a user slot lacks its user".into())
                }
                _ => {}
            }
            if s.sealed.is_empty() {
                return damaged("a key slot holds no sealed key".into());
            }
            if s.reset_pending && s.kind != SlotKind::User {
                return damaged("the recovery key slot is marked as reset".into());
            }
        }
        Ok(())
    }

    /// Serialise with the checksum header.
    pub fn to_bytes(&self) -> Vec<u8> {
        let body = serde_json::to_vec_pretty(self).expect("key slots always serialise");
        let mut out =
            format!("{MAGIC} sha256={}\n", hex::encode(Sha256::digest(&body))).into_bytes();
        out.extend_from_slice(&body);
        out
    }

    pub fn user_slot(&self, user_id: &str) -> Option<&Slot> {
        self.slots
            .iter()
            .find(|s| s.kind == SlotKind::User && s.user_id.as_deref() == Some(user_id))
    }

    pub fn recovery_slot(&self) -> Option<&Slot> {
        self.slots.iter().find(|s| s.kind == SlotKind::Recovery)
    }

    pub fn epochs(&self) -> Vec<u64> {
        let mut e: Vec<u64> = self
            .slots
            .iter()
            .flat_map(|s| s.sealed.iter().map(|x| x.epoch))
            .collect();
        e.sort_unstable();
        e.dedup();
        e
    }

    pub fn vault_id_bytes(&self) -> &[u8] {
        self.vault_id.as_bytes()
    }
}

/// The fields of a new slot before it is sealed.
pub struct SlotSpec<'a> {
    pub kind: SlotKind,
    pub user_id: Option<&'a str>,
    pub name: Option<&'a str>,
    pub role: Option<Role>,
}

impl Slot {
    /// Create a slot with a fresh key pair, wrapped under `secret` (a passphrase or the
    /// recovery key's bytes).
    /// `id` keeps an existing slot's id (a reset); `None` makes a new one.
    pub fn create(
        rng: &mut impl SecureRng,
        vault_id: &str,
        id: Option<String>,
        spec: SlotSpec<'_>,
        secret: &[u8],
        kdf: KdfParams,
    ) -> Result<(Slot, SlotSecret)> {
        let id = id.unwrap_or_else(|| {
            let mut id = [0u8; 8];
            rng.fill_bytes(&mut id);
            hex::encode(id)
        });
        let sk = StaticSecret::random_from_rng(&mut *rng);
        let slot_secret = SlotSecret(sk);
        let slot = Slot::wrap_with_flag(rng, vault_id, id, spec, &slot_secret, secret, kdf, false)?;
        Ok((slot, slot_secret))
    }

    /// A user slot made by a strategic lead's reset: a fresh key pair wrapped under the
    /// one-time code's canonical text, marked [`Slot::reset_pending`] (bound into the wrap).
    pub fn create_reset(
        rng: &mut impl SecureRng,
        vault_id: &str,
        id: String,
        spec: SlotSpec<'_>,
        code: &crate::recovery::ResetCode,
        kdf: KdfParams,
    ) -> Result<Slot> {
        if spec.kind != SlotKind::User {
            return Err(Error::Internal("only a user slot can be reset".into()));
        }
        let sk = StaticSecret::random_from_rng(&mut *rng);
        let slot_secret = SlotSecret(sk);
        Slot::wrap_with_flag(
            rng,
            vault_id,
            id,
            spec,
            &slot_secret,
            code.as_bytes(),
            kdf,
            true,
        )
    }

    /// Wrap an existing key pair under a (new) secret: a passphrase change.
    pub fn wrap_existing(
        rng: &mut impl SecureRng,
        vault_id: &str,
        id: String,
        spec: SlotSpec<'_>,
        slot_secret: &SlotSecret,
        secret: &[u8],
        kdf: KdfParams,
    ) -> Result<Slot> {
        Slot::wrap_with_flag(rng, vault_id, id, spec, slot_secret, secret, kdf, false)
    }

    #[allow(clippy::too_many_arguments)]
    fn wrap_with_flag(
        rng: &mut impl SecureRng,
        vault_id: &str,
        id: String,
        spec: SlotSpec<'_>,
        slot_secret: &SlotSecret,
        secret: &[u8],
        kdf: KdfParams,
        reset_pending: bool,
    ) -> Result<Slot> {
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        let public = PublicKey::from(&slot_secret.0);
        let mut slot = Slot {
            id,
            kind: spec.kind,
            user_id: spec.user_id.map(str::to_string),
            name: spec.name.map(str::to_string),
            role: spec.role,
            kdf,
            salt: B64.encode(salt),
            public_key: B64.encode(public.as_bytes()),
            wrapped: Ciphertext {
                nonce: String::new(),
                ct: String::new(),
            },
            sealed: Vec::new(),
            reset_pending,
        };
        let wrap_key = kdf::derive(secret, &salt, kdf)?;
        let mut nonce = [0u8; 24];
        rng.fill_bytes(&mut nonce);
        let aad = slot.wrap_aad(vault_id);
        let secret_bytes = Zeroizing::new(slot_secret.0.to_bytes());
        let ct = XChaCha20Poly1305::new(wrap_key.as_ref().into())
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: secret_bytes.as_ref(),
                    aad: &aad,
                },
            )
            .map_err(|_| Error::Internal("wrapping a key slot failed".into()))?;
        slot.wrapped = Ciphertext {
            nonce: B64.encode(nonce),
            ct: B64.encode(ct),
        };
        Ok(slot)
    }

    /// What a passphrase typed for this slot opens it with: for a reset slot, the one-time
    /// code's canonical text (case, spaces and dashes as the person likes); otherwise, and for
    /// anything that cannot be a code, the passphrase as typed (which then fails as wrong).
    pub fn typed_secret(&self, typed: &str) -> Zeroizing<Vec<u8>> {
        if self.reset_pending {
            if let Some(code) = crate::recovery::ResetCode::parse(typed) {
                return Zeroizing::new(code.as_bytes().to_vec());
            }
        }
        Zeroizing::new(typed.as_bytes().to_vec())
    }

    fn wrap_aad(&self, vault_id: &str) -> Vec<u8> {
        let role = self.role.map(|r| r.as_str()).unwrap_or("");
        let kind = match self.kind {
            SlotKind::User => "user",
            SlotKind::Recovery => "recovery",
        };
        let kdf = self.kdf.to_bytes();
        let mut fields: Vec<&[u8]> = vec![
            WRAP_CONTEXT,
            vault_id.as_bytes(),
            self.id.as_bytes(),
            kind.as_bytes(),
            self.user_id.as_deref().unwrap_or("").as_bytes(),
            self.name.as_deref().unwrap_or("").as_bytes(),
            role.as_bytes(),
            &kdf,
            self.salt.as_bytes(),
            self.public_key.as_bytes(),
        ];
        // Only when set, so every slot written before the flag existed keeps its bytes.
        if self.reset_pending {
            fields.push(RESET_PENDING);
        }
        aad(&fields)
    }

    /// Open the slot's secret with a passphrase or recovery key. `None` means the secret is
    /// wrong (or the slot was edited); the caller says which kind of secret it was.
    pub fn open(&self, vault_id: &str, secret: &[u8]) -> Result<Option<SlotSecret>> {
        self.kdf.check()?;
        let salt = decode(&self.salt, "salt")?;
        let nonce = decode_fixed::<24>(&self.wrapped.nonce, "nonce")?;
        let ct = decode(&self.wrapped.ct, "wrapped key")?;
        let wrap_key = kdf::derive(secret, &salt, self.kdf)?;
        let aad = self.wrap_aad(vault_id);
        let plain = match XChaCha20Poly1305::new(wrap_key.as_ref().into()).decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &ct,
                aad: &aad,
            },
        ) {
            Ok(p) => Zeroizing::new(p),
            Err(_) => return Ok(None),
        };
        let bytes: Zeroizing<[u8; 32]> =
            Zeroizing::new(plain.as_slice().try_into().map_err(|_| {
                Error::KeySlotsDamaged("a wrapped key has the wrong length".into())
            })?);
        let sk = StaticSecret::from(*bytes);
        // The public key must belong to the secret, or the slot was tampered with.
        if PublicKey::from(&sk).as_bytes()
            != decode_fixed::<32>(&self.public_key, "public key")?.as_slice()
        {
            return Err(Error::KeySlotsDamaged(
                "a key slot's public key does not match its secret".into(),
            ));
        }
        Ok(Some(SlotSecret(sk)))
    }

    fn seal_aad(&self, vault_id: &str, epoch: u64) -> Vec<u8> {
        aad(&[
            SEAL_CONTEXT,
            vault_id.as_bytes(),
            self.id.as_bytes(),
            &epoch.to_le_bytes(),
        ])
    }

    /// Seal `key` (for `epoch`) to this slot's public key. Needs no secret.
    pub fn seal(
        &mut self,
        rng: &mut impl SecureRng,
        vault_id: &str,
        epoch: u64,
        key: &VaultKey,
    ) -> Result<()> {
        let recipient = PublicKey::from(decode_fixed::<32>(&self.public_key, "public key")?);
        let eph = StaticSecret::random_from_rng(&mut *rng);
        let eph_pub = PublicKey::from(&eph);
        let shared = eph.diffie_hellman(&recipient);
        if !shared.was_contributory() {
            return Err(Error::KeySlotsDamaged(
                "a key slot's public key is not usable".into(),
            ));
        }
        let seal_key = seal_key(shared.as_bytes(), eph_pub.as_bytes(), recipient.as_bytes());
        let mut nonce = [0u8; 24];
        rng.fill_bytes(&mut nonce);
        let aad = self.seal_aad(vault_id, epoch);
        let ct = XChaCha20Poly1305::new(seal_key.as_ref().into())
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &key.0,
                    aad: &aad,
                },
            )
            .map_err(|_| Error::Internal("sealing the vault key failed".into()))?;
        self.sealed.retain(|s| s.epoch != epoch);
        self.sealed.push(Sealed {
            epoch,
            ephemeral: B64.encode(eph_pub.as_bytes()),
            nonce: B64.encode(nonce),
            ct: B64.encode(ct),
        });
        self.sealed.sort_by_key(|s| std::cmp::Reverse(s.epoch));
        Ok(())
    }

    /// Unseal every epoch's vault key held for this slot, newest first.
    pub fn unseal_all(&self, vault_id: &str, secret: &SlotSecret) -> Result<Vec<(u64, VaultKey)>> {
        let mine = PublicKey::from(&secret.0);
        let mut out = Vec::new();
        let mut sealed: Vec<&Sealed> = self.sealed.iter().collect();
        sealed.sort_by_key(|s| std::cmp::Reverse(s.epoch));
        for s in sealed {
            let eph = PublicKey::from(decode_fixed::<32>(&s.ephemeral, "ephemeral key")?);
            let nonce = decode_fixed::<24>(&s.nonce, "nonce")?;
            let ct = decode(&s.ct, "sealed key")?;
            let shared = secret.0.diffie_hellman(&eph);
            let k = seal_key(shared.as_bytes(), eph.as_bytes(), mine.as_bytes());
            let aad = self.seal_aad(vault_id, s.epoch);
            let plain = Zeroizing::new(
                XChaCha20Poly1305::new(k.as_ref().into())
                    .decrypt(
                        XNonce::from_slice(&nonce),
                        Payload {
                            msg: &ct,
                            aad: &aad,
                        },
                    )
                    .map_err(|_| {
                        Error::KeySlotsDamaged("a sealed vault key has been altered".into())
                    })?,
            );
            let bytes: [u8; 32] = plain.as_slice().try_into().map_err(|_| {
                Error::KeySlotsDamaged("a sealed vault key has the wrong length".into())
            })?;
            out.push((s.epoch, VaultKey(bytes)));
        }
        Ok(out)
    }
}

fn seal_key(shared: &[u8; 32], eph: &[u8; 32], recipient: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(eph);
    salt[32..].copy_from_slice(recipient);
    let hk = hkdf::Hkdf::<Sha256>::new(Some(&salt), shared);
    let mut out = Zeroizing::new([0u8; 32]);
    hk.expand(SEAL_CONTEXT, out.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    out
}

/// Length-prefixed concatenation, so no two field lists give the same bytes.
fn aad(fields: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in fields {
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    }
    out
}

fn decode(s: &str, what: &str) -> Result<Vec<u8>> {
    B64.decode(s)
        .map_err(|_| Error::KeySlotsDamaged(format!("a key slot's {what} is not valid base64")))
}

fn decode_fixed<const N: usize>(s: &str, what: &str) -> Result<[u8; N]> {
    decode(s, what)?
        .try_into()
        .map_err(|_| Error::KeySlotsDamaged(format!("a key slot's {what} has the wrong length")))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    //! Frozen vectors: a key-slot file written by version 1 must open forever. If one of
    //! these fails after a change, existing vaults would be orphaned: change the format
    //! version instead and keep reading version 1.
    use super::*;
    use crate::recovery::RecoveryKey;
    use rand::SeedableRng;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");
    const PASS: &str = "correct horse battery staple 1917";

    fn generate() -> (Vec<u8>, [u8; 32], String) {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2026);
        let key = VaultKey([0x5a; 32]);
        let recovery = RecoveryKey::generate(&mut rng);
        let vault_id = "00112233445566778899aabbccddeeff";
        let (mut user, _) = Slot::create(
            &mut rng,
            vault_id,
            None,
            SlotSpec {
                kind: SlotKind::User,
                user_id: Some("u-0001"),
                name: Some("Ada Lovelace"),
                role: Some(Role::StrategicLead),
            },
            PASS.as_bytes(),
            KdfParams::MINIMUM,
        )
        .unwrap();
        user.seal(&mut rng, vault_id, 1, &key).unwrap();
        let (mut rec, _) = Slot::create(
            &mut rng,
            vault_id,
            None,
            SlotSpec {
                kind: SlotKind::Recovery,
                user_id: None,
                name: None,
                role: None,
            },
            recovery.as_bytes(),
            KdfParams::MINIMUM,
        )
        .unwrap();
        rec.seal(&mut rng, vault_id, 1, &key).unwrap();
        let body = Body {
            version: 1,
            vault_id: vault_id.into(),
            school: "Hillside Primary".into(),
            slots: vec![user, rec],
            record: None,
        };
        (body.to_bytes(), key.0, recovery.display())
    }

    #[test]
    fn frozen_vectors_still_open() {
        if std::env::var_os("WRITE_VECTORS").is_some() {
            let (bytes, key, recovery) = generate();
            std::fs::create_dir_all(DIR).unwrap();
            std::fs::write(format!("{DIR}/keyslots-v1"), bytes).unwrap();
            std::fs::write(format!("{DIR}/keyslots-v1.key"), hex::encode(key)).unwrap();
            std::fs::write(format!("{DIR}/keyslots-v1.recovery"), recovery).unwrap();
        }
        let bytes = std::fs::read(format!("{DIR}/keyslots-v1")).expect("frozen vector file");
        let key_hex = std::fs::read_to_string(format!("{DIR}/keyslots-v1.key")).unwrap();
        let recovery = std::fs::read_to_string(format!("{DIR}/keyslots-v1.recovery")).unwrap();
        let body = Body::parse(&bytes).unwrap();
        assert_eq!(body.school, "Hillside Primary");
        // Written before resets existed: no slot reads as reset.
        assert!(body.slots.iter().all(|s| !s.reset_pending));

        let user = body.user_slot("u-0001").unwrap();
        let secret = user
            .open(&body.vault_id, PASS.as_bytes())
            .unwrap()
            .expect("passphrase opens");
        let keys = user.unseal_all(&body.vault_id, &secret).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(hex::encode(keys[0].1 .0), key_hex.trim());
        assert!(user.open(&body.vault_id, b"wrong").unwrap().is_none());

        let rk = RecoveryKey::parse(&recovery).unwrap();
        let rec = body.recovery_slot().unwrap();
        let secret = rec
            .open(&body.vault_id, rk.as_bytes())
            .unwrap()
            .expect("recovery key opens");
        assert_eq!(
            hex::encode(rec.unseal_all(&body.vault_id, &secret).unwrap()[0].1 .0),
            key_hex.trim()
        );

        // The writer is deterministic given its randomness, and still writes the same bytes:
        // a change to the format shows up here first.
        assert_eq!(
            generate().0,
            bytes,
            "key-slot writer output changed: bump the format version"
        );
    }

    /// A reset slot round-trips through the file with its mark, opens only with the code's
    /// canonical text, and the mark is bound: a file with it edited off no longer opens.
    /// Ordinary slots are written without the field, as before it existed.
    #[test]
    fn reset_mark_round_trips_and_is_bound() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        let vault_id = "00112233445566778899aabbccddeeff";
        let key = VaultKey([7; 32]);
        let code = crate::recovery::ResetCode::generate(&mut rng);
        let spec = || SlotSpec {
            kind: SlotKind::User,
            user_id: Some("u-2"),
            name: Some("Ben Key"),
            role: Some(Role::KeyAdult),
        };
        let mut reset = Slot::create_reset(
            &mut rng,
            vault_id,
            "s1".into(),
            spec(),
            &code,
            KdfParams::MINIMUM,
        )
        .unwrap();
        reset.seal(&mut rng, vault_id, 1, &key).unwrap();
        let (mut plain, _) = Slot::create(
            &mut rng,
            vault_id,
            None,
            spec(),
            PASS.as_bytes(),
            KdfParams::MINIMUM,
        )
        .unwrap();
        plain.seal(&mut rng, vault_id, 1, &key).unwrap();
        let plain_json = serde_json::to_string(&plain).unwrap();
        assert!(!plain_json.contains("reset_pending"), "{plain_json}");

        let body = Body {
            version: 1,
            vault_id: vault_id.into(),
            school: "Hillside Primary".into(),
            slots: vec![reset],
            record: None,
        };
        let back = Body::parse(&body.to_bytes()).unwrap();
        let slot = &back.slots[0];
        assert!(slot.reset_pending);
        let secret = slot
            .open(vault_id, code.display().replace('-', "").as_bytes())
            .unwrap()
            .expect("the code opens the reset slot");
        assert_eq!(slot.unseal_all(vault_id, &secret).unwrap()[0].1 .0, key.0);
        assert!(slot
            .open(vault_id, code.display().as_bytes())
            .unwrap()
            .is_none());

        let mut edited = back.clone();
        edited.slots[0].reset_pending = false;
        let edited = Body::parse(&edited.to_bytes()).unwrap();
        assert!(edited.slots[0]
            .open(vault_id, code.display().replace('-', "").as_bytes())
            .unwrap()
            .is_none());
    }

    #[test]
    fn parse_never_panics_on_mutations() {
        let bytes = std::fs::read(format!("{DIR}/keyslots-v1")).unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        use rand::Rng;
        for _ in 0..2000 {
            let mut b = bytes.clone();
            match rng.gen_range(0..3) {
                0 => {
                    let i = rng.gen_range(0..b.len());
                    b[i] ^= 1 << rng.gen_range(0..8);
                }
                1 => b.truncate(rng.gen_range(0..b.len())),
                _ => {
                    let i = rng.gen_range(0..b.len());
                    b.insert(i, rng.gen());
                }
            }
            if b != bytes {
                assert!(Body::parse(&b).is_err());
            }
        }
    }
}
