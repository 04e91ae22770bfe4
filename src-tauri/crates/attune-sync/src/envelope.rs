//! The sync file, `ATTUNE-SYNC/1`: what travels between a laptop and the school vault on a
//! USB stick or through a shared folder.
//!
//! ```text
//!  offset  size  field
//!  0       13    magic "ATTUNE-SYNC/1"
//!  13      1     format version (1)
//!  14      2     header length H (big-endian), = 122 + 16 × (number of acknowledgements)
//!  16      H     header (authenticated: AEAD associated data, and signed)
//!                  8   sender device id
//!                  32  recipient fingerprint: SHA-256 of the recipient vault's X25519 public key
//!                  8   sequence number of this file from this sender (1, 2, 3, …)
//!                  16  HLC timestamp of the export
//!                  32  ephemeral X25519 public key
//!                  24  XChaCha20-Poly1305 nonce
//!                  2   number of acknowledgements N (≤ 1024)
//!                  16N acknowledgements: (origin device id, highest change applied from it),
//!                      strictly increasing by device id
//!  16+H    4     ciphertext length C (big-endian)
//!  20+H    C     ciphertext: XChaCha20-Poly1305 of (4-byte payload length, payload,
//!                zero padding to a multiple of 512 bytes) + 16-byte tag
//!  20+H+C  64    Ed25519 signature by the sender device's key over every byte before it
//! ```
//!
//! The payload key is HKDF-SHA256 (salt = ephemeral public ‖ recipient public, info
//! `attune-sync/1 payload key`) of the X25519 shared secret between a fresh ephemeral key
//! and the recipient vault's static key — only the recipient vault can read the file.
//! The signature binds the header (sender, sequence, acknowledgements, recipient) and the
//! ciphertext to one enrolled device; the header is also the AEAD's associated data, so a
//! header moved onto another file's ciphertext fails to decrypt even if re-signed.
//!
//! Every byte is checked: the layout is exact (no trailing bytes, canonical acknowledgement
//! order), the sender must be an enrolled device that has not been removed, the signature
//! must verify (strict Ed25519), the file must be for this vault, and the ciphertext must
//! authenticate. A file whose sequence number was already applied is recognised as a replay
//! and is a no-op (`Import::AlreadyApplied`), after the same checks.

use std::collections::HashMap;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use hkdf::Hkdf;
use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use x25519_dalek::{EphemeralSecret, PublicKey, StaticSecret};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::hlc::{DeviceId, Hlc};

pub const MAGIC: &[u8; 13] = b"ATTUNE-SYNC/1";
pub const VERSION: u8 = 1;
/// Acknowledgements one file may carry (one per origin device: far more than a school has).
pub const MAX_ACKS: usize = 1024;
/// The largest ciphertext accepted: a first enrolment of a large caseload fits many times.
pub const MAX_CIPHERTEXT: usize = 256 * 1024 * 1024;
const PAD_TO: usize = 512;
const FIXED_HEADER: usize = 8 + 32 + 8 + 16 + 32 + 24 + 2;
const PREFIX: usize = 13 + 1 + 2;
const TAG: usize = 16;
const SIG: usize = 64;
const HKDF_INFO: &[u8] = b"attune-sync/1 payload key";

/// "I have applied every change from `origin` up to and including `seq`."
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ack {
    pub origin: DeviceId,
    pub seq: u64,
}

/// The authenticated header of a sync file, as the sender wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub sender: DeviceId,
    pub recipient_fingerprint: [u8; 32],
    pub seq: u64,
    pub created: Hlc,
    pub acks: Vec<Ack>,
}

/// A sync file split into its parts; nothing in it has been verified yet.
#[derive(Debug)]
pub struct Parsed<'a> {
    pub header: Header,
    ephemeral: [u8; 32],
    nonce: [u8; 24],
    /// Magic, version, header length and header: the AEAD's associated data.
    aad: &'a [u8],
    ciphertext: &'a [u8],
    /// Every byte before the signature.
    signed: &'a [u8],
    signature: [u8; 64],
}

/// What the sender fills in; the ephemeral key and nonce are drawn inside `seal`.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    pub sender: DeviceId,
    pub seq: u64,
    pub created: Hlc,
    pub acks: &'a [Ack],
}

/// What a vault knows about a device that may send it files.
#[derive(Debug, Clone)]
pub enum DeviceStatus {
    Active(VerifyingKey),
    /// Removed from the school: its files are refused from then on.
    Removed,
}

/// The devices a vault accepts files from (the school vault: every enrolled laptop; a
/// laptop: the school vault).
#[derive(Debug, Clone, Default)]
pub struct Devices(HashMap<DeviceId, DeviceStatus>);

impl Devices {
    pub fn new() -> Devices {
        Devices::default()
    }
    pub fn enrol(&mut self, id: DeviceId, key: VerifyingKey) {
        self.0.insert(id, DeviceStatus::Active(key));
    }
    pub fn remove(&mut self, id: DeviceId) {
        self.0.insert(id, DeviceStatus::Removed);
    }
    pub fn status(&self, id: DeviceId) -> Option<&DeviceStatus> {
        self.0.get(&id)
    }
}

/// A verified, decrypted sync file.
pub struct Opened {
    pub header: Header,
    pub payload: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the payload: it holds pupils' records.
        f.debug_struct("Opened")
            .field("header", &self.header)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

/// The outcome of importing a sync file.
#[derive(Debug)]
pub enum Import {
    /// A file with a sequence number above the last one applied from its sender.
    New(Opened),
    /// A genuine file whose sequence number was already applied: a replay, nothing to do.
    AlreadyApplied { sender: DeviceId, seq: u64 },
}

/// SHA-256 of a vault's X25519 public key: how a file names its recipient.
pub fn fingerprint(public: &PublicKey) -> [u8; 32] {
    Sha256::digest(public.as_bytes()).into()
}

fn payload_key(
    shared: &[u8; 32],
    ephemeral: &[u8; 32],
    recipient: &[u8; 32],
) -> Zeroizing<[u8; 32]> {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(ephemeral);
    salt[32..].copy_from_slice(recipient);
    let hk = Hkdf::<Sha256>::new(Some(&salt), shared);
    let mut key = Zeroizing::new([0u8; 32]);
    hk.expand(HKDF_INFO, key.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    key
}

/// Seal `payload` to the recipient vault's public key and sign it with the sender device's
/// key. Randomness (the ephemeral key and the nonce) comes from `rng`.
pub fn seal<R: RngCore + CryptoRng>(
    payload: &[u8],
    out: &Outgoing<'_>,
    recipient: &PublicKey,
    signer: &SigningKey,
    rng: &mut R,
) -> Result<Vec<u8>> {
    if out.acks.len() > MAX_ACKS {
        return Err(Error::InvalidInput(format!(
            "a sync file carries at most {MAX_ACKS} acknowledgements"
        )));
    }
    if out.acks.windows(2).any(|w| w[0].origin >= w[1].origin) {
        return Err(Error::InvalidInput(
            "acknowledgements must be sorted by device, one per device".into(),
        ));
    }
    if out.seq == 0 {
        return Err(Error::InvalidInput(
            "sync file sequence numbers start at 1".into(),
        ));
    }
    let padded_len = (4 + payload.len()).div_ceil(PAD_TO) * PAD_TO;
    if padded_len + TAG > MAX_CIPHERTEXT {
        return Err(Error::InvalidInput(
            "this sync file would be too large".into(),
        ));
    }

    let eph_secret = EphemeralSecret::random_from_rng(&mut *rng);
    let eph_public = PublicKey::from(&eph_secret);
    let shared = eph_secret.diffie_hellman(recipient);
    if !shared.was_contributory() {
        return Err(Error::InvalidInput(
            "the recipient's key is not a usable key".into(),
        ));
    }
    let key = payload_key(
        shared.as_bytes(),
        eph_public.as_bytes(),
        recipient.as_bytes(),
    );
    let mut nonce = [0u8; 24];
    rng.fill_bytes(&mut nonce);

    let header_len = FIXED_HEADER + 16 * out.acks.len();
    let mut file = Vec::with_capacity(PREFIX + header_len + 4 + padded_len + TAG + SIG);
    file.extend_from_slice(MAGIC);
    file.push(VERSION);
    file.extend_from_slice(&(header_len as u16).to_be_bytes());
    file.extend_from_slice(&out.sender.0.to_be_bytes());
    file.extend_from_slice(&fingerprint(recipient));
    file.extend_from_slice(&out.seq.to_be_bytes());
    file.extend_from_slice(&out.created.to_bytes());
    file.extend_from_slice(eph_public.as_bytes());
    file.extend_from_slice(&nonce);
    file.extend_from_slice(&(out.acks.len() as u16).to_be_bytes());
    for a in out.acks {
        file.extend_from_slice(&a.origin.0.to_be_bytes());
        file.extend_from_slice(&a.seq.to_be_bytes());
    }
    let aad_len = file.len();

    let mut plain = Zeroizing::new(Vec::with_capacity(padded_len));
    plain.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    plain.extend_from_slice(payload);
    plain.resize(padded_len, 0);
    let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&key[..]));
    let ciphertext = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &plain,
                aad: &file[..aad_len],
            },
        )
        .map_err(|_| Error::InvalidInput("encryption failed".into()))?;
    file.extend_from_slice(&(ciphertext.len() as u32).to_be_bytes());
    file.extend_from_slice(&ciphertext);
    let signature = signer.sign(&file);
    file.extend_from_slice(&signature.to_bytes());
    Ok(file)
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).ok_or(Error::Damaged(what))?;
        let s = self.b.get(self.at..end).ok_or(Error::Damaged(what))?;
        self.at = end;
        Ok(s)
    }
    fn arr<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N]> {
        Ok(self.take(N, what)?.try_into().expect("length checked"))
    }
    fn u16(&mut self, what: &'static str) -> Result<u16> {
        Ok(u16::from_be_bytes(self.arr(what)?))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32> {
        Ok(u32::from_be_bytes(self.arr(what)?))
    }
    fn u64(&mut self, what: &'static str) -> Result<u64> {
        Ok(u64::from_be_bytes(self.arr(what)?))
    }
}

/// Split a sync file into its parts, checking the layout exactly. Verifies nothing
/// cryptographic: use [`open`]. Any bytes give `Ok` or `Err`, never a panic (fuzzed).
pub fn parse(bytes: &[u8]) -> Result<Parsed<'_>> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(Error::NotASyncFile);
    }
    let mut r = Reader {
        b: bytes,
        at: MAGIC.len(),
    };
    let version = r.arr::<1>("the file is cut short")?[0];
    if version != VERSION {
        return Err(Error::UnsupportedVersion(version));
    }
    let header_len = usize::from(r.u16("the file is cut short")?);
    let header_start = r.at;
    let sender = DeviceId(r.u64("the header is cut short")?);
    let recipient_fingerprint = r.arr::<32>("the header is cut short")?;
    let seq = r.u64("the header is cut short")?;
    let created = Hlc::from_bytes(r.take(16, "the header is cut short")?)?;
    let ephemeral = r.arr::<32>("the header is cut short")?;
    let nonce = r.arr::<24>("the header is cut short")?;
    let n_acks = usize::from(r.u16("the header is cut short")?);
    if n_acks > MAX_ACKS {
        return Err(Error::Damaged("too many acknowledgements"));
    }
    if header_len != FIXED_HEADER + 16 * n_acks {
        return Err(Error::Damaged(
            "the header length does not match its contents",
        ));
    }
    let mut acks = Vec::with_capacity(n_acks);
    for _ in 0..n_acks {
        let origin = DeviceId(r.u64("the acknowledgements are cut short")?);
        let seq = r.u64("the acknowledgements are cut short")?;
        if acks.last().is_some_and(|a: &Ack| a.origin >= origin) {
            return Err(Error::Damaged("the acknowledgements are out of order"));
        }
        acks.push(Ack { origin, seq });
    }
    debug_assert_eq!(r.at, header_start + header_len);
    if seq == 0 {
        return Err(Error::Damaged("the sequence number is zero"));
    }
    let aad_end = r.at;
    let ct_len = r.u32("the file is cut short")? as usize;
    if !(TAG + PAD_TO..=MAX_CIPHERTEXT).contains(&ct_len) || (ct_len - TAG) % PAD_TO != 0 {
        return Err(Error::Damaged(
            "the encrypted part has an impossible length",
        ));
    }
    let ciphertext = r.take(ct_len, "the encrypted part is cut short")?;
    let signed_end = r.at;
    let signature = r.arr::<64>("the signature is missing")?;
    if r.at != bytes.len() {
        return Err(Error::Damaged("there are extra bytes after the signature"));
    }
    Ok(Parsed {
        header: Header {
            sender,
            recipient_fingerprint,
            seq,
            created,
            acks,
        },
        ephemeral,
        nonce,
        aad: &bytes[..aad_end],
        ciphertext,
        signed: &bytes[..signed_end],
        signature,
    })
}

/// Verify and decrypt a sync file addressed to the vault whose X25519 secret is `secret`.
/// Checks, in order: layout; sender enrolled and not removed; signature; recipient;
/// decryption; padding.
pub fn open(bytes: &[u8], secret: &StaticSecret, devices: &Devices) -> Result<Opened> {
    let p = parse(bytes)?;
    let key = match devices.status(p.header.sender) {
        None => return Err(Error::UnknownDevice(p.header.sender)),
        Some(DeviceStatus::Removed) => return Err(Error::RemovedDevice(p.header.sender)),
        Some(DeviceStatus::Active(k)) => k,
    };
    key.verify_strict(p.signed, &Signature::from_bytes(&p.signature))
        .map_err(|_| Error::Damaged("the signature does not match"))?;
    let my_public = PublicKey::from(secret);
    if p.header.recipient_fingerprint != fingerprint(&my_public) {
        return Err(Error::WrongRecipient);
    }
    let eph = PublicKey::from(p.ephemeral);
    let shared = secret.diffie_hellman(&eph);
    if !shared.was_contributory() {
        return Err(Error::Damaged("the ephemeral key is not a usable key"));
    }
    let key = payload_key(shared.as_bytes(), &p.ephemeral, my_public.as_bytes());
    let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&key[..]));
    let plain = Zeroizing::new(
        cipher
            .decrypt(
                XNonce::from_slice(&p.nonce),
                Payload {
                    msg: p.ciphertext,
                    aad: p.aad,
                },
            )
            .map_err(|_| Error::Damaged("the encrypted part does not authenticate"))?,
    );
    let len = u32::from_be_bytes(plain[..4].try_into().expect("at least 512 bytes")) as usize;
    if len > plain.len() - 4 || plain[4 + len..].iter().any(|&b| b != 0) {
        return Err(Error::Damaged("the padding is wrong"));
    }
    Ok(Opened {
        header: p.header,
        payload: Zeroizing::new(plain[4..4 + len].to_vec()),
    })
}

/// [`open`], then compare the file's sequence number with the last one applied from its
/// sender: a file at or below it is a replay and changes nothing. A file above it is new
/// even if files in between were missed (each file carries every change the recipient has
/// not acknowledged, so a missed file loses nothing).
pub fn open_for_import(
    bytes: &[u8],
    secret: &StaticSecret,
    devices: &Devices,
    last_applied_seq: u64,
) -> Result<Import> {
    let opened = open(bytes, secret, devices)?;
    if opened.header.seq <= last_applied_seq {
        return Ok(Import::AlreadyApplied {
            sender: opened.header.sender,
            seq: opened.header.seq,
        });
    }
    Ok(Import::New(opened))
}
