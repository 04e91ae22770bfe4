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
