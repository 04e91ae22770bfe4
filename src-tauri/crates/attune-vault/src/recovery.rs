//! The recovery key: 160 random bits shown once at setup as 32 characters in 8 groups of
//! four (Crockford's base32: no I, L, O or U, so it reads aloud and copies by hand well).

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Error, Result};
use crate::SecureRng;

/// Crockford's alphabet (no I, L, O or U). Typing slack: lower case reads as upper case, I and
/// L as 1, O as 0; spaces and dashes are ignored.
fn crockford() -> &'static data_encoding::Encoding {
    static ENCODING: std::sync::LazyLock<data_encoding::Encoding> =
        std::sync::LazyLock::new(|| {
            let mut spec = data_encoding::Specification::new();
            spec.symbols.push_str("0123456789ABCDEFGHJKMNPQRSTVWXYZ");
            spec.translate.from.push_str("abcdefghjkmnpqrstvwxyzIiLlOo");
            spec.translate.to.push_str("ABCDEFGHJKMNPQRSTVWXYZ111100");
            spec.ignore.push_str(" -\t\r\n");
            spec.encoding().expect("a valid base32 specification")
        });
    &ENCODING
}

/// Characters that a recovery key's reader skips.
fn ignored(c: char) -> bool {
    c.is_whitespace() || c == '-'
}

pub const GROUPS: usize = 8;

#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct RecoveryKey([u8; 20]);

impl RecoveryKey {
    pub fn generate(rng: &mut impl SecureRng) -> Self {
        let mut b = [0u8; 20];
        rng.fill_bytes(&mut b);
        RecoveryKey(b)
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The 8 groups of 4 characters, for display.
    pub fn groups(&self) -> Vec<String> {
        let chars = self.encode();
        chars
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect()
    }

    /// "ABCD-EFGH-..." for printing on one line.
    pub fn display(&self) -> String {
        self.groups().join("-")
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = vec![0u8; 32];
        crockford().encode_mut(&self.0, &mut out);
        out
    }

    /// Parse what a person typed: case, spaces and dashes do not matter; I and L read as 1,
    /// O as 0.
    pub fn parse(text: &str) -> Result<Self> {
        let typed = text.chars().filter(|c| !ignored(*c)).count();
        if typed != 32 {
            return Err(Error::InvalidInput(format!(
                "A recovery key has 32 characters in 8 groups of 4; you typed {typed}."
            )));
        }
        let bad = || {
            Error::InvalidInput(
                "A recovery key has only the letters and digits printed on it. Check what you typed."
                    .into(),
            )
        };
        if !text.is_ascii() {
            return Err(bad());
        }
        let e = crockford();
        let mut out =
            zeroize::Zeroizing::new(vec![0u8; e.decode_len(text.len()).map_err(|_| bad())?]);
        let n = e.decode_mut(text.as_bytes(), &mut out).map_err(|_| bad())?;
        let key: [u8; 20] = out[..n].try_into().map_err(|_| bad())?;
        Ok(RecoveryKey(key))
    }
}

/// Which groups (1-based) a person must re-type to show they kept the key: two distinct
/// groups, chosen at random so nobody learns to copy the same ones.
pub fn confirm_positions(rng: &mut impl SecureRng) -> Vec<u32> {
    let a = (rng.next_u32() % GROUPS as u32) + 1;
    let mut b = (rng.next_u32() % (GROUPS as u32 - 1)) + 1;
    if b >= a {
        b += 1;
    }
    let mut v = vec![a, b];
    v.sort_unstable();
    v
}

impl RecoveryKey {
    /// Did the person re-type the groups at `positions` correctly? Case, spaces and dashes
    /// do not matter; I/L and O read as 1 and 0, as when unlocking.
    pub fn confirms(&self, positions: &[u32], typed: &[String]) -> bool {
        if positions.len() != typed.len() || positions.is_empty() {
            return false;
        }
        let groups = self.groups();
        positions.iter().zip(typed).all(|(&pos, t)| {
            let norm: String = t
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .map(|c| match c.to_ascii_uppercase() {
                    'I' | 'L' => '1',
                    'O' => '0',
                    c => c,
                })
                .collect();
            groups.get(pos as usize - 1).is_some_and(|g| *g == norm)
        })
    }
}

/// The one-time code a strategic lead is given when they reset someone's passphrase: 20
/// characters of Crockford's alphabet in 4 groups of 5 (100 random bits, the same alphabet
/// and typing slack as the recovery key). It opens only that person's reset key slot, once:
/// the session it opens may do nothing but set their own passphrase, which replaces the slot.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct ResetCode(String);

pub const CODE_GROUPS: usize = 4;
pub const CODE_GROUP_CHARS: usize = 5;
const CODE_CHARS: usize = CODE_GROUPS * CODE_GROUP_CHARS;
const CROCKFORD_SYMBOLS: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl ResetCode {
    pub fn generate(rng: &mut impl SecureRng) -> Self {
        let mut b = zeroize::Zeroizing::new([0u8; CODE_CHARS]);
        rng.fill_bytes(b.as_mut());
        // 256 is a multiple of 32: each character is uniform.
        let s: String = b
            .iter()
            .map(|x| CROCKFORD_SYMBOLS[usize::from(x & 31)] as char)
            .collect();
        ResetCode(s)
    }

    /// Read what a person typed: case, spaces and dashes do not matter; I and L read as 1,
    /// O as 0. `None` if it cannot be a code (so it is treated as a wrong one).
    pub fn parse(text: &str) -> Option<Self> {
        let mut out = String::with_capacity(CODE_CHARS);
        for c in text.chars().filter(|c| !ignored(*c)) {
            let c = match c.to_ascii_uppercase() {
                'I' | 'L' => '1',
                'O' => '0',
                c => c,
            };
            if !c.is_ascii() || !CROCKFORD_SYMBOLS.contains(&(c as u8)) {
                out.zeroize();
                return None;
            }
            out.push(c);
        }
        if out.len() != CODE_CHARS {
            out.zeroize();
            return None;
        }
        Some(ResetCode(out))
    }

    /// The canonical text (20 characters, no dashes): what the key slot is wrapped under.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// "ABCDE-FGHJK-MNPQR-STVWX" for showing once.
    pub fn display(&self) -> String {
        self.0
            .as_bytes()
            .chunks(CODE_GROUP_CHARS)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }
}

impl std::fmt::Debug for ResetCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResetCode(<hidden>)")
    }
}

impl std::fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryKey(<hidden>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn round_trips_with_typing_slack() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        for _ in 0..50 {
            let k = RecoveryKey::generate(&mut rng);
            let groups = k.groups();
            assert_eq!(groups.len(), GROUPS);
            assert!(groups.iter().all(|g| g.len() == 4));
            let typed = groups
                .join(" ")
                .to_lowercase()
                .replace('0', "o")
                .replace('1', "l");
            assert_eq!(RecoveryKey::parse(&typed).unwrap().0, k.0);
            assert_eq!(RecoveryKey::parse(&k.display()).unwrap().0, k.0);
        }
    }

    #[test]
    fn confirmation_checks_the_asked_groups() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        for _ in 0..100 {
            let p = confirm_positions(&mut rng);
            assert_eq!(p.len(), 2);
            assert!(p[0] < p[1] && p[0] >= 1 && p[1] <= GROUPS as u32, "{p:?}");
        }
        let k = RecoveryKey::generate(&mut rng);
        let g = k.groups();
        assert!(k.confirms(&[2, 7], &[g[1].to_lowercase(), format!(" {} ", g[6])]));
        assert!(
            !k.confirms(&[2, 7], &[g[6].clone(), g[1].clone()]),
            "order matters"
        );
        assert!(!k.confirms(&[2, 7], &[g[1].clone()]));
        assert!(!k.confirms(&[2, 9], &[g[1].clone(), "AAAA".into()]));
    }

    /// Vectors from Python's `base64.b32encode` read through Crockford's alphabet: the same
    /// bit packing as RFC 4648, an oracle outside this crate and its encoder.
    #[test]
    fn matches_independent_vectors() {
        for (hex_bytes, text) in [
            (
                "f0e1d2c3b4a5968778695a4b3c2d1e0f00ff7e81",
                "Y3GX5GXMMPB8EY39B95KRB8Y1W0FYZM1",
            ),
            (
                "101112131415161718191a1b1c1d1e1f20212223",
                "208H44RM2MB1E60S38DHR78Y3WG228H3",
            ),
        ] {
            let bytes: [u8; 20] = hex::decode(hex_bytes).unwrap().try_into().unwrap();
            let k = RecoveryKey(bytes);
            assert_eq!(k.groups().concat(), text);
            assert_eq!(RecoveryKey::parse(text).unwrap().0, bytes);
        }
        assert_eq!(RecoveryKey([0xff; 20]).groups().concat(), "Z".repeat(32));
    }

    #[test]
    fn reset_codes_read_back_with_typing_slack() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let c = ResetCode::generate(&mut rng);
            let shown = c.display();
            // 4 groups of 5, from Crockford's alphabet only.
            let groups: Vec<&str> = shown.split('-').collect();
            assert_eq!(groups.len(), 4, "{shown}");
            assert!(groups.iter().all(|g| g.len() == 5), "{shown}");
            assert!(shown
                .chars()
                .all(|ch| ch == '-' || "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(ch)));
            assert!(seen.insert(shown.clone()), "codes repeat");
            let typed = shown
                .replace('-', " ")
                .to_lowercase()
                .replace('0', "o")
                .replace('1', "l");
            assert_eq!(ResetCode::parse(&typed).unwrap().as_bytes(), c.as_bytes());
        }
        assert!(ResetCode::parse("ABCDE-FGHJK-MNPQR").is_none(), "too short");
        assert!(
            ResetCode::parse("ABCDE-FGHJK-MNPQR-STVWU").is_none(),
            "U is not a symbol"
        );
        assert!(ResetCode::parse("correct horse battery staple").is_none());
    }

    #[test]
    fn refuses_wrong_length_and_characters() {
        assert!(
            matches!(RecoveryKey::parse("ABCD-EFGH"), Err(Error::InvalidInput(m)) if m.contains("you typed 8"))
        );
        for bad in [
            "U".repeat(32),
            format!("{}é", "A".repeat(31)),
            format!("{}*", "A".repeat(31)),
        ] {
            assert!(
                matches!(RecoveryKey::parse(&bad), Err(Error::InvalidInput(m)) if m.contains("letters and digits")),
                "{bad}"
            );
        }
    }
}
