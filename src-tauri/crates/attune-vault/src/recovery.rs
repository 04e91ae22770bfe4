//! The recovery key: 160 random bits shown once at setup as 32 characters in 8 groups of
//! four (Crockford's base32: no I, L, O or U, so it reads aloud and copies by hand well).

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Error, Result};
use crate::SecureRng;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
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
        let mut out = Vec::with_capacity(32);
        let mut acc: u64 = 0;
        let mut bits = 0;
        for &byte in &self.0 {
            acc = (acc << 8) | u64::from(byte);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                out.push(ALPHABET[((acc >> bits) & 31) as usize]);
            }
        }
        acc.zeroize();
        out
    }

    /// Parse what a person typed: case, spaces and dashes do not matter; I and L read as 1,
    /// O as 0.
    pub fn parse(text: &str) -> Result<Self> {
        let mut vals = Vec::with_capacity(32);
        for c in text.chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            let c = match c.to_ascii_uppercase() {
                'I' | 'L' => '1',
                'O' => '0',
                c => c,
            };
            match ALPHABET.iter().position(|&a| a as char == c) {
                Some(v) => vals.push(v as u64),
                None => {
                    vals.zeroize();
                    return Err(Error::InvalidInput(
                        "A recovery key has only the letters and digits printed on it. Check what you typed.".into(),
                    ));
                }
            }
        }
        if vals.len() != 32 {
            let n = vals.len();
            vals.zeroize();
            return Err(Error::InvalidInput(format!(
                "A recovery key has 32 characters in 8 groups of 4; you typed {n}."
            )));
        }
        let mut out = [0u8; 20];
        let mut acc: u64 = 0;
        let mut bits = 0;
        let mut i = 0;
        for v in &vals {
            acc = (acc << 5) | v;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                out[i] = ((acc >> bits) & 0xff) as u8;
                i += 1;
            }
        }
        acc.zeroize();
        vals.zeroize();
        Ok(RecoveryKey(out))
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

    #[test]
    fn refuses_wrong_length_and_characters() {
        assert!(
            matches!(RecoveryKey::parse("ABCD-EFGH"), Err(Error::InvalidInput(m)) if m.contains("you typed 8"))
        );
        assert!(matches!(
            RecoveryKey::parse(&"U".repeat(32)),
            Err(Error::InvalidInput(_))
        ));
    }
}
