//! `digest [--for NAME]`: the canonical hash of what the vault holds (issue 17), as the
//! convergence test compares it between the school vault and a laptop. The work and the rule
//! (who may have whose digest) are `attune_domain::transfer::scope::vault_digest`'s; this
//! module resolves the name and prints the hash and a row count per table, never a name or a
//! record's content.

use attune_domain::transfer::scope;

use crate::error::{Error, Result};
use crate::{now, open, Cli};

/// `attune-admin digest [--for NAME]`: a key adult's own caseload; a strategic lead's whole
/// vault, or with `--for` that user's caseload.
pub fn digest(cli: &Cli, for_name: Option<&str>) -> Result<()> {
    let v = open(cli)?;
    let result = (|| -> Result<_> {
        let for_id = match for_name {
            None => None,
            Some(name) => Some(
                v.users()?
                    .into_iter()
                    .find(|u| u.name.eq_ignore_ascii_case(name.trim()))
                    .map(|u| u.id)
                    .ok_or_else(|| Error::Usage(format!("no user called {name} in this vault")))?,
            ),
        };
        Ok(scope::vault_digest(&v, for_id.as_deref(), now())?)
    })();
    v.lock("cli", now());
    let (d, _) = result?;
    println!("digest {}", d.hex());
    for (table, rows) in &d.counts {
        println!("{table} {rows}");
    }
    Ok(())
}
