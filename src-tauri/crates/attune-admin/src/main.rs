//! `attune-admin`: the headless tool for administrators and scripts. It opens the same vault
//! through the same crates as the app, so anything it does obeys the same rules (roles,
//! audit, key slots). It never prints pupil data except where a subcommand's purpose is to
//! write a document the user asked for, and then only to the file they named.
//!
//! Exit codes: 0 success, 1 failure, 2 bad usage, 3 wrong passphrase or recovery key,
//! 4 vault or key slots damaged.

mod backup_cmd;
mod bench;
mod demo;
mod error;
mod records_cmd;
mod rollover_cmd;
mod summary_cmd;
mod sync_cmd;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use attune_vault::{Passphrase, RecoveryKey, Role, UserInfo, Vault, VaultPaths, VaultStatus};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use rand::rngs::OsRng;

use attune_domain::transfer::retention;
use error::{Error, Result};

#[derive(Parser)]
#[command(
    name = "attune-admin",
    version,
    about = "Administer an Attune vault from the command line",
    after_help = "Passphrases come from --passphrase-file FILE, the ATTUNE_PASSPHRASE variable, or a prompt that does not echo.\n\
                  Exit codes: 0 success, 1 failure, 2 bad usage, 3 wrong passphrase or recovery key, 4 vault damaged."
)]
struct Cli {
    /// The vault folder.
    #[arg(long, global = true, value_name = "DIR")]
    vault: Option<PathBuf>,
    /// Whose key slot to open (a user's display name). Optional when the vault has one user.
    #[arg(long, global = true, value_name = "NAME")]
    user: Option<String>,
    /// Read the passphrase from the first line of FILE.
    #[arg(long, global = true, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// Which of the school's lists.
#[derive(Clone, Copy, clap::ValueEnum)]
enum ListArg {
    SupportLevel,
    CareStatus,
}

impl ListArg {
    fn kind(self) -> attune_domain::model::ListKind {
        match self {
            ListArg::SupportLevel => attune_domain::model::ListKind::SupportLevel,
            ListArg::CareStatus => attune_domain::model::ListKind::CareStatus,
        }
    }
}

#[derive(Subcommand)]
enum ListsAction {
    /// Print both lists in the school's order, retired items marked (the default).
    Show,
    /// Add LABEL at the end of a list (strategic lead only).
    Add { list: ListArg, label: String },
    /// Rename OLD to NEW, on every pupil holding it too (strategic lead only).
    Rename {
        list: ListArg,
        old: String,
        new: String,
    },
    /// Put a list in the order given: every item, retired ones too, each once (strategic
    /// lead only).
    Reorder {
        list: ListArg,
        #[arg(required = true)]
        labels: Vec<String>,
    },
    /// Retire LABEL: no longer offered for new choices, kept on the records that hold it and
    /// in summaries; --restore brings it back (strategic lead only).
    Retire {
        list: ListArg,
        label: String,
        #[arg(long)]
        restore: bool,
    },
}

#[derive(Subcommand)]
enum SyncAction {
    /// Strategic lead: write an enrolment file holding the caseload of the key adult NAME
    /// (their pupils with full history, their supervision notes, the school's term dates,
    /// frameworks, lists and settings), for their laptop. Prints a one-time passphrase, once:
    /// give it to them apart from the file.
    Enrol {
        /// The key adult's display name.
        #[arg(long = "for", value_name = "NAME")]
        for_name: String,
        /// Where to write the file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// On a key adult's laptop: make this laptop's vault (--vault DIR, which must not hold
    /// one) from an enrolment file. The one-time passphrase comes from
    /// --enrol-passphrase-file, ATTUNE_ENROL_PASSPHRASE or a prompt; the key adult's own
    /// passphrase for this laptop from --passphrase-file, ATTUNE_PASSPHRASE or a prompt.
    Join {
        /// The enrolment file.
        file: PathBuf,
        #[arg(long, value_name = "FILE")]
        enrol_passphrase_file: Option<PathBuf>,
    },
    /// Write the next sync file: on a laptop, for the school vault (everything the school has
    /// not yet acknowledged); at the school (strategic lead), for laptop N (--for-laptop N:
    /// what it has not had of its key adult's caseload).
    Export {
        /// At the school: the laptop's number (as `sync enrol` printed it).
        #[arg(long = "for-laptop", value_name = "N")]
        for_laptop: Option<u16>,
        /// Where to write the file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Import a sync file: at the school (strategic lead), a laptop's; on a laptop, the
    /// school's. Importing a file twice changes nothing.
    Import {
        /// The sync file.
        file: PathBuf,
    },
    /// Strategic lead, at the school: the laptops prepared, and when each last synced.
    Status,
    /// The values that lost a conflict in a sync, one per line with its number, beside the
    /// value the vault holds now (a key adult: those of their own pupils).
    Conflicts,
    /// Settle conflict ID: keep the value the vault holds now, or take the other one (an
    /// ordinary edit, sent on at the next sync). A signed review can only be kept.
    Resolve {
        /// The conflict's number, as `sync conflicts` printed it.
        id: i64,
        /// Keep the value the vault holds now.
        #[arg(
            long,
            conflicts_with = "take_other",
            required_unless_present = "take_other"
        )]
        keep: bool,
        /// Take the other value.
        #[arg(long = "take-other")]
        take_other: bool,
    },
}

#[derive(Subcommand)]
enum RecoveryKeyAction {
    /// Strategic lead: make a new recovery key, printed once, and make the old one useless
    /// here at once (its key slot goes from both key-slot files, the vault key is changed,
    /// and the automatic backups it opens are replaced by a fresh one). Backups copied
    /// elsewhere earlier keep their own key slots and still open with the old key.
    Replace,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new vault with its first user, a strategic lead. Prints the recovery key once.
    Init {
        /// The school's name.
        #[arg(long)]
        school: String,
    },
    /// Show the school, the users and the schema version (never any pupil data).
    Status,
    /// Add a user (strategic lead only). Their passphrase comes from --new-passphrase-file,
    /// ATTUNE_NEW_PASSPHRASE or a prompt.
    AddUser {
        /// The new user's display name.
        #[arg(long)]
        name: String,
        /// key-adult or strategic-lead.
        #[arg(long, default_value = "key-adult")]
        role: String,
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Remove a user (strategic lead only): the vault key is rotated so their passphrase,
    /// even with an old copy of the key-slot file, no longer opens the vault.
    RemoveUser {
        /// The display name of the user to remove.
        #[arg(long)]
        name: String,
    },
    /// Change your passphrase (the new one from --new-passphrase-file, ATTUNE_NEW_PASSPHRASE
    /// or a prompt).
    ChangePassphrase {
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Strategic lead: reset the passphrase of the user NAME (a key adult who forgot theirs).
    /// They keep their account, pupils and history. Prints a one-time code, once: give it to
    /// them; their old passphrase stops working at once. They unlock with the code where the
    /// passphrase goes and must then choose a new passphrase (change-passphrase does that).
    ResetPassphrase {
        /// The display name of the user whose passphrase to reset.
        #[arg(long)]
        name: String,
    },
    /// The recovery key (strategic lead only).
    RecoveryKey {
        #[command(subcommand)]
        action: RecoveryKeyAction,
    },
    /// Unlock with the recovery key and set a new passphrase for --user.
    Recover {
        /// Read the recovery key from FILE (else ATTUNE_RECOVERY_KEY, else a prompt).
        #[arg(long, value_name = "FILE")]
        recovery_key_file: Option<PathBuf>,
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Check the vault: SQLCipher's per-page HMACs, SQLite's integrity, the audit chain and
    /// the key slots.
    Verify,
    /// Write an encrypted backup of the whole vault to FILE (for example on a USB stick).
    ///
    /// The backup holds the encrypted database and its key slots, so it opens only with a
    /// passphrase or the recovery key valid in the vault today. It is written to a temporary
    /// file, synced and renamed into place, then read back and checked before this command
    /// reports success. The audit log records it (the file's name, never its content).
    /// Attune also keeps daily automatic backups in the vault folder's backups/ folder.
    Backup {
        /// The backup file to write (Attune names its own *.attune-backup).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace FILE if it already exists.
        #[arg(long)]
        force: bool,
    },
    /// Replace the vault in --vault DIR with the vault in a backup file, after checking it.
    ///
    /// The backup is unlocked with the passphrase --user had when it was made (or with the
    /// recovery key of that time, --recovery-key-file), checked end to end (its checksum and
    /// authentication code, every database page's HMAC, the audit chain) and unpacked beside
    /// the vault. Only then is the current vault folder moved aside to
    /// DIR.replaced-<date>-<time>, the restored one moved in and opened again; any failure
    /// puts the original back. The old folder is kept for you to delete once you are sure.
    /// Refused while Attune has the vault open, and for a backup of a different vault. Only a
    /// strategic lead can restore. DIR may be a new folder (a new laptop).
    Restore {
        /// The backup file.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// Unlock the backup with the recovery key in FILE instead of a passphrase.
        #[arg(long, value_name = "FILE")]
        recovery_key_file: Option<PathBuf>,
    },
    /// Show what a backup file holds; given a passphrase, also unlock and check it.
    ///
    /// Without a passphrase: the school, when it was made, how many pupils, plans and
    /// reviews it holds and whose passphrases open it, after checking the file's checksum
    /// (a damaged file gives exit code 4). With --passphrase-file or ATTUNE_PASSPHRASE (and
    /// --user when it has several users), or --recovery-key-file, it is unlocked and checked
    /// end to end like a restore, and nothing is restored. Needs no --vault.
    BackupInfo {
        /// The backup file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Unlock it with the recovery key in FILE instead of a passphrase.
        #[arg(long, value_name = "FILE")]
        recovery_key_file: Option<PathBuf>,
    },
    /// For the crash test only: commit records in a loop, printing `ack N` after each commit.
    #[command(hide = true)]
    CrashWriter {
        /// Bytes of filler text per record.
        #[arg(long, default_value_t = 200)]
        payload_bytes: usize,
        /// Stop after this many commits (default: until killed or a write fails).
        #[arg(long)]
        max: Option<u64>,
    },
    /// Import pupils from a CSV file exported by the school's MIS (strategic lead only). Columns
    /// are recognised by their header names. Every bad line is printed with its number and
    /// reason (never a pupil's name or date of birth). Exit 1 when lines are bad and nothing
    /// was (or would be) imported, or any line is bad with --all-or-nothing.
    ImportPupils {
        /// The CSV file.
        file: PathBuf,
        /// Import nothing when any line is bad (default: import the good lines).
        #[arg(long)]
        all_or_nothing: bool,
        /// Check the file and report, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// Update the pupils already held (matched by UPN, SCN or local id, else by legal name
        /// and date of birth): print per pupil, by record id, which fields change, the new
        /// pupils and the active pupils the file does not name. Year groups, care statuses and
        /// support levels are printed; names, dates of birth and identifiers only as "changed".
        #[arg(long)]
        update: bool,
        /// With --update: do not add the lines that are pupils not held.
        #[arg(long, requires = "update")]
        no_new: bool,
        /// With --update: mark every active pupil the file does not name as having left on
        /// this date (2026-07-22 or 22/07/2026).
        #[arg(long, requires = "update", value_name = "DATE")]
        missing_left_on: Option<String>,
    },
    /// Start a new school year (strategic lead only): every active pupil's year group moves on
    /// by one (N1→N2→R→Y1…Y14; N2→P1…P7→S1…S6 in Scotland), and the pupils in the school's
    /// last year are offered as leavers instead. Prints per record id what moves (never a
    /// name). The school's last year is --last-year, else the highest year group any active
    /// pupil is in. Leavers are marked as left only with --leavers-left-on DATE (all of them
    /// but those named by --stay); the others stay active in their year group. The vault
    /// remembers the school year it is in: a rollover to a year it is already in, or that is
    /// not the next one, is refused. Audited (pupil.rollover per pupil, school_year.rollover).
    /// After an `import-pupils --update` from the new year's MIS export the year groups have
    /// already moved on: check the dry run, so nobody moves up twice.
    Rollover {
        /// The school year to roll over to: 2027-28.
        #[arg(long, value_name = "YEAR")]
        to: String,
        /// Print what would change, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// The school's last year group (P7, Y6, Y11, S6…): its pupils are offered as leavers.
        #[arg(long, value_name = "YEAR_GROUP")]
        last_year: Option<String>,
        /// Mark the leavers offered as having left on this date (2027-07-21 or 21/07/2027).
        #[arg(long, value_name = "DATE")]
        leavers_left_on: Option<String>,
        /// With --leavers-left-on: a leaver (record id) who stays on, active in their year
        /// group. Give it once per pupil.
        #[arg(long, value_name = "ID", requires = "leavers_left_on")]
        stay: Vec<i64>,
    },
    /// Erase one pupil's record for good, at any time and whatever their status (strategic
    /// lead only): a record added in error, or an erasure request. Every row about the pupil
    /// goes, the database and its log are rewritten so nothing of them remains in the file,
    /// and the automatic backups in the vault's backups/ folder are replaced by one made after
    /// the erasure. The vault remembers the record id (never the name), so a backup made
    /// before today and restored later has the pupil erased again at once. Copies outside the
    /// vault folder (USB backups, handover packs, subject access documents) are not reached.
    /// The reason is kept, with the pupil's names taken out; the audit log records the
    /// erasure by record id. Check the id first with `attune-admin pupils --names`.
    Erase {
        /// The pupil's record id.
        #[arg(long, value_name = "ID")]
        pupil: i64,
        /// Why the record is erased (for example "added in error").
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// The school's lists of support levels and care statuses: show them, or (strategic lead
    /// only) add, rename, reorder or retire an item.
    Lists {
        #[command(subcommand)]
        action: Option<ListsAction>,
    },
    /// List every pupil for scripts (strategic lead only): record id, UPN, Scottish candidate
    /// number, local id, year group, support level, care status and status, one per line.
    /// Names only with --names. Audited as caseload.view.
    Pupils {
        /// JSON instead of a table: an array of objects with the fields pupil_id, upn, scn,
        /// local_id, year_group, support_level, care_status, status (and legal_forename,
        /// legal_surname, preferred_name with --names); absent values are null.
        #[arg(long)]
        json: bool,
        /// Include the pupils' names.
        #[arg(long)]
        names: bool,
    },
    /// Write the subject access document of one pupil to FILE (strategic lead only).
    ///
    /// A self-contained printable HTML page of everything held about the pupil, with the
    /// audit entries about them; print it to PDF from any web browser. It is written
    /// atomically and is readable by anyone with the file: keep it safe. Audited as pupil.sar.
    Sar {
        /// The pupil's record id.
        #[arg(long, value_name = "ID")]
        pupil: i64,
        /// The file to write (for example sar.html).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace FILE if it already exists.
        #[arg(long)]
        force: bool,
    },
    /// Write the handover pack of one pupil to FILE (strategic lead only).
    ///
    /// The pupil's whole record (profile, plans and goals, review dates, sessions, chronology,
    /// scores, termly indicators; no audit entries, no staff accounts), encrypted under a
    /// one-time handover passphrase that is printed once. Give the passphrase to the receiving
    /// school separately from the file, for example by phone. Audited as handover.export.
    HandoverExport {
        /// The pupil's record id.
        #[arg(long, value_name = "ID")]
        pupil: i64,
        /// The file to write (for example pupil.attune-handover).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace FILE if it already exists.
        #[arg(long)]
        force: bool,
    },
    /// Import a handover pack from another Attune vault as a new pupil, or add it to a pupil
    /// already held with --into (strategic lead only).
    ///
    /// The handover passphrase comes from --handover-passphrase-file, the
    /// ATTUNE_HANDOVER_PASSPHRASE variable, or a prompt that does not echo. A wrong handover
    /// passphrase exits 3, a damaged or altered file 4; either way nothing is imported. A
    /// pupil whose UPN or Scottish Candidate Number is already held is not imported again: the
    /// command names the held record, to add the pack to it with --into. Audited as
    /// handover.import.
    ///
    /// With --into PUPIL_ID the sending school's plans, reviews, sessions, events, scores,
    /// advice, team and term figures are added to that pupil's record as history (nothing held
    /// is overwritten; a held current plan stays current). Identity fields keep the held value
    /// unless named with --take. A pack whose date of birth differs is refused without
    /// --confirm-date-of-birth; the same pack twice is refused. --dry-run prints the identity
    /// fields side by side and what would be added, and writes nothing. Names and the date of
    /// birth are printed only with --names. Audited as handover.merge (handover.preview for a
    /// dry run).
    HandoverImport {
        /// The handover pack.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Assign this user (display name) as the pupil's key adult.
        #[arg(long, value_name = "NAME", conflicts_with = "into")]
        key_adult: Option<String>,
        /// Read the handover passphrase from the first line of FILE.
        #[arg(long, value_name = "FILE")]
        handover_passphrase_file: Option<PathBuf>,
        /// Add the pack to this pupil (record id) already held, instead of a new pupil.
        #[arg(long, value_name = "PUPIL_ID")]
        into: Option<i64>,
        /// With --into: take the pack's value of this identity field (legal_forename,
        /// legal_surname, preferred_name, date_of_birth, year_group, upn, scn, care_status,
        /// support_level); may be given more than once. Every other field keeps the held value.
        #[arg(long, value_name = "FIELD", requires = "into")]
        take: Vec<String>,
        /// With --into: the pack is this child although the dates of birth differ.
        #[arg(long, requires = "into")]
        confirm_date_of_birth: bool,
        /// With --into: print the comparison and what would be added; write nothing.
        #[arg(long, requires = "into")]
        dry_run: bool,
        /// With --into: print names and dates of birth in the comparison.
        #[arg(long, requires = "into")]
        names: bool,
    },
    /// Export the anonymised summary of a period (strategic lead only) to DIR as CSV, JSON and
    /// a printable HTML report: attune-summary-<period>.csv, .json and .html.
    ///
    /// PERIOD is a school year (2025-26) or a term of one (2025-26 autumn). A figure standing
    /// for fewer than k pupils is withheld ([c]), and so are others where it could be worked
    /// out from the totals. Before anything is written, every byte is scanned for every name,
    /// identifier and date of birth in the vault: a hit writes nothing and exits 1. The school
    /// is named only with --include-school-name. Audited as summary.export.
    ExportSummary {
        /// A school year (2025-26) or a term of one (2025-26 autumn).
        #[arg(long, value_name = "PERIOD")]
        period: String,
        /// The folder to write the three files to (made if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The disclosure-control threshold: at least 3.
        #[arg(long, value_name = "N", default_value_t = attune_export::DEFAULT_K)]
        k: u32,
        /// Name the school in the files (default: "An Attune school").
        #[arg(long)]
        include_school_name: bool,
        /// Replace files of the same names in DIR.
        #[arg(long)]
        force: bool,
    },
    /// Merge several schools' JSON summaries of one period into one report, CSV and JSON in
    /// DIR (attune-merged-<period>.*). Needs no vault. Withheld figures stay withheld, and
    /// totals including them are shown as bounds. A file that is not a summary, of another
    /// format version, altered since it was written, of another period, or a second copy of a
    /// school's summary is refused, naming the file and why (exit 1).
    MergeSummaries {
        /// The schools' summary files (attune-summary-*.json), at least two.
        #[arg(value_name = "FILE", required = true, num_args = 1..)]
        files: Vec<PathBuf>,
        /// The folder to write the merged files to (made if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Replace files of the same names in DIR.
        #[arg(long)]
        force: bool,
    },
    /// Print a canonical hash of what the vault holds, then each table's row count (never a
    /// name or a note): for a key adult, what it holds for their caseload (their pupils'
    /// records, the school's reference data, their supervision notes); for a strategic lead,
    /// the whole vault's, or with --for NAME that user's caseload. Sync across laptops
    /// converges when a laptop's digest equals the school vault's for its user. A key adult
    /// asking for someone else's is refused (exit 1, audited as sync.digest).
    Digest {
        /// The user whose caseload to hash (strategic lead only, unless it is yourself).
        #[arg(long = "for", value_name = "NAME")]
        for_name: Option<String>,
    },
    /// Sync across laptops (issue 17): prepare a key adult's laptop, or join a school vault.
    Sync {
        #[command(subcommand)]
        action: SyncAction,
    },
    /// Fill the vault with generated demo records (deterministic for a seed), written through
    /// the same functions the app uses. Creates the vault (the lead named by --user) when the
    /// folder holds none, else opens it as a strategic lead. The 19 key adults it adds get the
    /// same passphrase. Sizes: small 30 pupils, large 500, xl 2,000, each with 3 years of
    /// history. For trying the app and for the benchmark; never mix it with real records.
    Demo {
        #[arg(long, value_enum, default_value = "small")]
        size: demo::Size,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The school's name, when the vault is created.
        #[arg(long, default_value = "Demo School")]
        school: String,
    },
    /// Time Attune's operations on a generated vault in a temporary folder, encrypted and as
    /// plain SQLite, and print a table (use a release build). Needs no --vault.
    Bench {
        #[arg(long, value_enum, default_value = "large")]
        size: demo::Size,
        /// Runs of each quick operation (unlock, Argon2id, backup and verify get at most 5).
        #[arg(long, default_value_t = 30)]
        runs: usize,
        /// Also write the figures as JSON to FILE.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Time only these operations (comma-separated names, as in the table: sync_week,sync_enrol).
        #[arg(long, value_name = "OP", value_delimiter = ',')]
        only: Vec<String>,
    },
    /// Time Argon2id at the default key-slot parameters (use a release build).
    BenchKdf {
        /// How many derivations to time.
        #[arg(long, default_value_t = 5)]
        runs: u32,
        /// Try another memory size in MiB instead of the default (for calibration).
        #[arg(long)]
        m_mib: Option<u32>,
        /// Try another number of passes.
        #[arg(long)]
        t: Option<u32>,
        /// Try another number of lanes.
        #[arg(long)]
        p: Option<u32>,
    },
}

fn main() {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => {}
        Err(e) => {
            eprintln!("attune-admin: {e}");
            std::process::exit(e.exit_code());
        }
    }
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

fn vault_dir(cli: &Cli) -> Result<PathBuf> {
    cli.vault
        .clone()
        .ok_or_else(|| Error::Usage("--vault DIR is required: the vault folder to use".into()))
}

/// A secret from a file (first line), an environment variable, or a no-echo prompt.
fn read_secret(file: Option<&Path>, env: &str, prompt: &str) -> Result<String> {
    if let Some(f) = file {
        let text = std::fs::read_to_string(f)
            .map_err(|e| Error::Usage(format!("cannot read {}: {e}", f.display())))?;
        return Ok(text.lines().next().unwrap_or("").to_string());
    }
    if let Ok(v) = std::env::var(env) {
        return Ok(v);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(format!(
            "no passphrase given: use a file option or {env} (there is no terminal to ask at)"
        )));
    }
    Ok(rpassword::prompt_password(prompt)?)
}

fn passphrase(cli: &Cli) -> Result<Passphrase> {
    read_secret(
        cli.passphrase_file.as_deref(),
        "ATTUNE_PASSPHRASE",
        "Passphrase: ",
    )
    .map(Passphrase::new)
}

fn new_passphrase(file: Option<&Path>, who: &str) -> Result<Passphrase> {
    let p = read_secret(
        file,
        "ATTUNE_NEW_PASSPHRASE",
        &format!("New passphrase for {who}: "),
    )?;
    if file.is_none() && std::env::var_os("ATTUNE_NEW_PASSPHRASE").is_none() {
        let again = rpassword::prompt_password("Type it again: ")?;
        if again != p {
            return Err(Error::Usage("the two passphrases differ".into()));
        }
    }
    Ok(Passphrase::new(p))
}

fn users(dir: &Path) -> Result<(String, Vec<UserInfo>)> {
    match attune_vault::status(dir, now())? {
        VaultStatus::Absent => Err(attune_vault::Error::NotFound(format!(
            "There is no vault in {}.",
            dir.display()
        ))
        .into()),
        VaultStatus::Present { school, users, .. } => Ok((school, users)),
    }
}

fn pick_user(cli: &Cli, dir: &Path) -> Result<UserInfo> {
    let (_, users) = users(dir)?;
    match &cli.user {
        Some(name) => users
            .into_iter()
            .find(|u| u.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| Error::Usage(format!("no user called {name} in this vault"))),
        None if users.len() == 1 => Ok(users.into_iter().next().expect("one user")),
        None => Err(Error::Usage(
            "this vault has several users: say which with --user NAME".into(),
        )),
    }
}

/// Every unlock goes through here first: a pupil erased earlier whom this database still
/// holds (a backup made before the erasure was restored) is erased again before anything
/// else reads the vault (the vault refuses every other use until then).
pub(crate) fn unlocked(mut v: Vault) -> Result<Vault> {
    let again = retention::erase_again(&mut v, now())?;
    if !again.is_empty() {
        eprintln!(
            "This vault held {} erased earlier (from a backup made before the erasure); erased again now.",
            if again.len() == 1 {
                "1 pupil who was".to_string()
            } else {
                format!("{} pupils who were", again.len())
            }
        );
    }
    Ok(v)
}

fn open(cli: &Cli) -> Result<Vault> {
    let dir = vault_dir(cli)?;
    let user = pick_user(cli, &dir)?;
    let p = passphrase(cli)?;
    let v = unlocked(Vault::unlock(&dir, &user.id, &p, &mut OsRng, now())?)?;
    // A cut audit tail, an edited attempts file or key-slot record: said every time.
    for w in v.warnings() {
        eprintln!("warning: {w}");
    }
    Ok(v)
}

fn read_csv(file: &Path) -> Result<String> {
    let bytes = std::fs::read(file)
        .map_err(|e| Error::Usage(format!("cannot read {}: {e}", file.display())))?;
    String::from_utf8(bytes).map_err(|_| {
        Error::Usage(format!(
            "{} is not UTF-8 text: save it from the spreadsheet as \"CSV UTF-8\"",
            file.display()
        ))
    })
}

fn update_pupils(
    cli: &Cli,
    file: &Path,
    all_or_nothing: bool,
    dry_run: bool,
    add_new: bool,
    missing_left_on: Option<&str>,
) -> Result<()> {
    use attune_domain::model::ImportMode;
    use attune_domain::transfer::import::{self, PupilField};
    use attune_domain::transfer::mis_update::{self, UpdateChoices};

    let left_on = missing_left_on
        .map(|d| {
            attune_domain::rules::dates::parse_date(
                d,
                attune_domain::rules::dates::DateOrder::DayFirst,
            )
            .map_err(|_| {
                Error::Usage(format!(
                    "--missing-left-on {d}: give a date such as 2026-07-22"
                ))
            })
        })
        .transpose()?;
    let text = read_csv(file)?;
    let mode = if all_or_nothing {
        ImportMode::AllOrNothing
    } else {
        ImportMode::GoodOnly
    };
    let mut v = open(cli)?;
    let result = (|| -> Result<_> {
        let header = import::read_header(&text)?;
        let mapping = import::suggest_mapping(&header.headers);
        let preview = mis_update::preview_update(&v, &text, &mapping, now())?;
        let outcome = if dry_run {
            None
        } else {
            let choices = UpdateChoices {
                add_new,
                mark_left: if left_on.is_some() {
                    preview.missing.iter().map(|m| m.pupil_id).collect()
                } else {
                    Vec::new()
                },
                left_on,
                mode,
            };
            Some(mis_update::apply_update(
                &mut v,
                &text,
                &mapping,
                &choices,
                now(),
            )?)
        };
        Ok((preview, outcome))
    })();
    v.lock("cli", now());
    let (preview, outcome) = result?;
    let shown = |f: PupilField| {
        matches!(
            f,
            PupilField::YearGroup | PupilField::CareStatus | PupilField::SupportLevel
        )
    };
    for c in &preview.changed {
        let what: Vec<String> = c
            .changes
            .iter()
            .map(|f| {
                let name = f.field.label().to_lowercase();
                if shown(f.field) {
                    let none = |s: &str| {
                        if s.is_empty() {
                            "none".to_string()
                        } else {
                            s.to_string()
                        }
                    };
                    format!("{name} {} → {}", none(&f.from), none(&f.to))
                } else {
                    format!("{name} changed")
                }
            })
            .collect();
        println!(
            "record {} (line {}): {}",
            c.pupil_id,
            c.line,
            what.join("; ")
        );
    }
    for n in &preview.new {
        println!(
            "line {}: a pupil not held{}",
            n.line,
            if add_new {
                ""
            } else {
                " (not added: --no-new)"
            }
        );
    }
    for m in &preview.missing {
        println!(
            "record {}: not in the file{}",
            m.pupil_id,
            if left_on.is_some() {
                " (marked as left)"
            } else {
                ""
            }
        );
    }
    for e in &preview.bad {
        println!("line {}: {}", e.line, e.reason);
    }
    let bad = preview.bad.len();
    let (changed, new, missing) = (
        preview.changed.len(),
        preview.new.len(),
        preview.missing.len(),
    );
    match outcome {
        None => println!(
            "Dry run: {changed} to update, {} unchanged, {new} new, {missing} not in the file; {bad} bad. Nothing was written.",
            preview.unchanged
        ),
        Some(o) if all_or_nothing && bad > 0 => {
            println!("Nothing was changed: {bad} lines are bad and --all-or-nothing was given.");
            return Err(Error::Failed(format!("{} bad line(s); nothing was changed", o.bad.len())));
        }
        Some(o) => println!(
            "Updated {}, added {}, marked {} as left; {bad} bad.",
            o.updated, o.added, o.marked_left
        ),
    }
    Ok(())
}

fn import_pupils(cli: &Cli, file: &Path, all_or_nothing: bool, dry_run: bool) -> Result<()> {
    use attune_domain::model::ImportMode;
    use attune_domain::{record::pupils, transfer::import, transfer::vault_import};

    let text = read_csv(file)?;
    let mut v = open(cli)?;
    let result = (|| -> Result<(attune_domain::model::ImportOutcome, usize)> {
        let existing = pupils::existing_identifiers(&v, now())?;
        let header = import::read_header(&text)?;
        let mapping = import::suggest_mapping(&header.headers);
        let preview = import::parse(&text, &mapping, &existing)?;
        let rows = preview.good.len() + preview.bad.len();
        let mode = if all_or_nothing {
            ImportMode::AllOrNothing
        } else {
            ImportMode::GoodOnly
        };
        let outcome = if dry_run {
            vault_import::check_import(&mut v, &preview, mode, now())?
        } else {
            vault_import::import_pupils(&mut v, &preview, mode, now())?
        };
        Ok((outcome, rows))
    })();
    v.lock("cli", now());
    let (outcome, rows) = result?;
    for e in &outcome.bad {
        println!("line {}: {}", e.line, e.reason);
    }
    let n = outcome.imported;
    let pupils_word = |n: usize| if n == 1 { "pupil" } else { "pupils" };
    let bad = outcome.bad.len();
    if dry_run {
        println!(
            "Dry run: {n} {} would be imported from {rows} lines; {bad} bad. Nothing was written.",
            pupils_word(n)
        );
    } else if all_or_nothing && bad > 0 {
        println!(
            "Nothing was imported: {bad} of {rows} lines are bad and --all-or-nothing was given."
        );
    } else {
        println!(
            "Imported {n} {} from {rows} lines; {bad} bad.",
            pupils_word(n)
        );
    }
    if bad > 0 && (all_or_nothing || n == 0) {
        return Err(Error::Failed(format!(
            "{bad} bad line(s); nothing was {}",
            if dry_run {
                "written (dry run)"
            } else {
                "imported"
            }
        )));
    }
    Ok(())
}

fn demo_cmd(cli: &Cli, size: demo::Size, seed: u64, school: &str) -> Result<()> {
    let dir = vault_dir(cli)?;
    let (mut v, p) = if VaultPaths::new(&dir).db().exists() {
        let p = passphrase(cli)?;
        let user = pick_user(cli, &dir)?;
        (
            unlocked(Vault::unlock(&dir, &user.id, &p, &mut OsRng, now())?)?,
            p,
        )
    } else {
        let name = cli.user.clone().ok_or_else(|| {
            Error::Usage("demo needs --user NAME for the new vault's strategic lead".into())
        })?;
        let p = Passphrase::new(read_secret(
            cli.passphrase_file.as_deref(),
            "ATTUNE_PASSPHRASE",
            "Choose a passphrase: ",
        )?);
        let recovery = RecoveryKey::generate(&mut OsRng);
        let v = Vault::create(&dir, school, &name, &p, &recovery, &mut OsRng, now())?;
        println!("Created the vault for {} in {}.", v.school(), dir.display());
        println!(
            "RECOVERY KEY (shown only this once): {}",
            recovery.groups().join(" ")
        );
        (v, p)
    };
    let result = demo::generate(&mut v, size, seed, &p, true);
    v.lock("cli", now());
    let g = result?;
    println!(
        "Generated {} pupils, {} sessions, {} goals, {} signed reviews, {} chronology events, {} scores and {} key adults in {:.1} s (seed {seed}).",
        g.pupils.len(),
        g.sessions,
        g.goals,
        g.reviews,
        g.chronology,
        g.scores,
        g.key_adults.len(),
        g.secs
    );
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Init { school } => {
            let dir = vault_dir(&cli)?;
            let name = cli.user.clone().ok_or_else(|| {
                Error::Usage("init needs --user NAME: the first strategic lead's name".into())
            })?;
            let p = read_secret(
                cli.passphrase_file.as_deref(),
                "ATTUNE_PASSPHRASE",
                "Choose a passphrase: ",
            )?;
            let p = Passphrase::new(p);
            let recovery = RecoveryKey::generate(&mut OsRng);
            let v = Vault::create(&dir, school, &name, &p, &recovery, &mut OsRng, now())?;
            println!("Created the vault for {} in {}.", v.school(), dir.display());
            println!("{} is its strategic lead.", v.session().user.name);
            println!();
            println!("RECOVERY KEY (shown only this once):");
            println!();
            println!("    {}", recovery.groups().join(" "));
            println!();
            println!(
                "Write it down or print it and keep it in the school safe. It opens the vault"
            );
            println!("if every passphrase is forgotten. Anyone who has it can open the vault.");
            v.lock("cli", now());
        }
        Command::Status => {
            let dir = vault_dir(&cli)?;
            let (school, users) = users(&dir)?;
            println!("School: {school}");
            println!("Vault: {}", dir.display());
            println!("Users:");
            for u in &users {
                println!("  {} ({})", u.name, u.role.label());
            }
            if cli.passphrase_file.is_some() || std::env::var_os("ATTUNE_PASSPHRASE").is_some() {
                let v = open(&cli)?;
                println!("Schema version: {}", v.schema_version()?);
                println!("Auto-lock: {} minutes", v.auto_lock_minutes()?);
                v.lock("cli", now());
            }
        }
        Command::AddUser {
            name,
            role,
            new_passphrase_file,
        } => {
            let role = match role.as_str() {
                "key-adult" | "key_adult" => Role::KeyAdult,
                "strategic-lead" | "strategic_lead" | "lead" => Role::StrategicLead,
                other => {
                    return Err(Error::Usage(format!(
                        "--role must be key-adult or strategic-lead, not {other}"
                    )))
                }
            };
            let mut v = open(&cli)?;
            let p = new_passphrase(new_passphrase_file.as_deref(), name)?;
            let u = v.add_user(name, role, &p, &mut OsRng, now())?;
            println!("Added {} ({}).", u.name, u.role.label());
            v.lock("cli", now());
        }
        Command::RemoveUser { name } => {
            let mut v = open(&cli)?;
            let target = v
                .users()?
                .into_iter()
                .find(|u| u.name.eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| Error::Usage(format!("no user called {name} in this vault")))?;
            v.remove_user(&target.id, &mut OsRng, now())?;
            println!(
                "Removed {}. Their passphrase no longer opens the vault.",
                target.name
            );
            v.lock("cli", now());
        }
        Command::ChangePassphrase {
            new_passphrase_file,
        } => {
            let dir = vault_dir(&cli)?;
            let user = pick_user(&cli, &dir)?;
            let current = passphrase(&cli)?;
            let mut v = unlocked(Vault::unlock(&dir, &user.id, &current, &mut OsRng, now())?)?;
            let new = new_passphrase(new_passphrase_file.as_deref(), &user.name)?;
            if v.session().via_recovery {
                // Unlocked with the one-time code a lead gave them: this sets their own.
                v.reset_passphrase(&new, &mut OsRng, now())?;
                println!(
                    "Set a new passphrase for {}. The one-time code no longer works.",
                    user.name
                );
            } else {
                v.change_passphrase(&current, &new, &mut OsRng, now())?;
                println!("Changed the passphrase for {}.", user.name);
            }
            v.lock("cli", now());
        }
        Command::ResetPassphrase { name } => {
            let mut v = open(&cli)?;
            let result = (|| -> Result<_> {
                let target = v
                    .users()?
                    .into_iter()
                    .find(|u| u.name.eq_ignore_ascii_case(name.trim()))
                    .ok_or_else(|| Error::Usage(format!("no user called {name} in this vault")))?;
                let code = v.reset_user_passphrase(&target.id, &mut OsRng, now())?;
                Ok((target, code))
            })();
            for w in v.warnings() {
                eprintln!("warning: {w}");
            }
            v.lock("cli", now());
            let (target, code) = result?;
            println!(
                "Reset the passphrase of {}. Their old passphrase no longer opens the vault.",
                target.name
            );
            println!();
            println!("ONE-TIME CODE for {} (shown only this once):", target.name);
            println!();
            println!("    {}", code.display());
            println!();
            println!(
                "Give it to {} yourself, not by email. They unlock with it where the passphrase",
                target.name
            );
            println!(
                "goes, and must then choose a new passphrase before anything else. Until they"
            );
            println!("do, anyone with the code can open the vault as them.");
            println!(
                "Backups made before now still open with their old passphrase; a laptop prepared"
            );
            println!("for them keeps its own passphrase.");
        }
        Command::RecoveryKey {
            action: RecoveryKeyAction::Replace,
        } => {
            let mut v = open(&cli)?;
            let recovery = RecoveryKey::generate(&mut OsRng);
            let result = v.replace_recovery_key(&recovery, &mut OsRng, now());
            let school = v.school().to_string();
            for w in v.warnings() {
                eprintln!("warning: {w}");
            }
            v.lock("cli", now());
            result?;
            println!("Replaced the recovery key of {school}.");
            println!();
            println!("NEW RECOVERY KEY (shown only this once):");
            println!();
            println!("    {}", recovery.groups().join(" "));
            println!();
            println!(
                "Write it down or print it and keep it in the school safe, then destroy the old"
            );
            println!("one. Anyone who has the new key can open the vault.");
            println!();
            println!("The old recovery key no longer opens this vault, and the automatic backups");
            println!("it opened have been replaced by a fresh one. But backups copied elsewhere");
            println!(
                "before now (a USB stick) carry their own key slots: they still open with the"
            );
            println!("old key. Make a new backup now, then destroy the old ones.");
        }
        Command::Recover {
            recovery_key_file,
            new_passphrase_file,
        } => {
            let dir = vault_dir(&cli)?;
            let user = pick_user(&cli, &dir)?;
            let text = read_secret(
                recovery_key_file.as_deref(),
                "ATTUNE_RECOVERY_KEY",
                "Recovery key: ",
            )?;
            let key = RecoveryKey::parse(&text)?;
            let mut v = unlocked(Vault::unlock_with_recovery(
                &dir,
                &user.id,
                &key,
                &mut OsRng,
                now(),
            )?)?;
            let new = new_passphrase(new_passphrase_file.as_deref(), &user.name)?;
            v.reset_passphrase(&new, &mut OsRng, now())?;
            println!("Set a new passphrase for {}.", user.name);
            v.lock("cli", now());
        }
        Command::Verify => {
            let v = open(&cli)?;
            let check = v.check(&attune_vault::progress::Work::none(), now())?;
            println!(
                "Checked {} pages of the database and {} entries of the audit trail.",
                check.pages_checked, check.audit_entries_checked
            );
            if check.is_sound() {
                println!("{}", attune_vault::check::ALL_IS_WELL);
                v.lock("cli", now());
            } else {
                for p in &check.problems {
                    println!("problem: {}", p.what);
                    println!("  what to do: {}", p.todo);
                    println!("  detail: {}", p.detail);
                }
                v.lock("cli", now());
                return Err(attune_vault::Error::VaultDamaged(format!(
                    "{} problem(s) found",
                    check.problems.len()
                ))
                .into());
            }
        }
        Command::Backup { out, force } => backup_cmd::backup(&cli, out, *force)?,
        Command::Restore {
            from,
            recovery_key_file,
        } => backup_cmd::restore(&cli, from, recovery_key_file.as_deref())?,
        Command::BackupInfo {
            file,
            recovery_key_file,
        } => backup_cmd::info(&cli, file, recovery_key_file.as_deref())?,
        Command::CrashWriter { payload_bytes, max } => {
            backup_cmd::crash_writer(&cli, *payload_bytes, *max)?
        }
        Command::ImportPupils {
            file,
            all_or_nothing,
            dry_run,
            update: true,
            no_new,
            missing_left_on,
        } => update_pupils(
            &cli,
            file,
            *all_or_nothing,
            *dry_run,
            !*no_new,
            missing_left_on.as_deref(),
        )?,
        Command::ImportPupils {
            file,
            all_or_nothing,
            dry_run,
            ..
        } => import_pupils(&cli, file, *all_or_nothing, *dry_run)?,
        Command::Rollover {
            to,
            dry_run,
            last_year,
            leavers_left_on,
            stay,
        } => rollover_cmd::rollover(
            &cli,
            to,
            *dry_run,
            last_year.as_deref(),
            leavers_left_on.as_deref(),
            stay,
        )?,
        Command::Erase { pupil, reason } => records_cmd::erase(&cli, *pupil, reason)?,
        Command::Pupils { json, names } => records_cmd::pupils(&cli, *json, *names)?,
        Command::Lists { action } => lists_cmd(&cli, action.as_ref())?,
        Command::Sar { pupil, out, force } => records_cmd::sar(&cli, *pupil, out, *force)?,
        Command::HandoverExport { pupil, out, force } => {
            records_cmd::handover_export(&cli, *pupil, out, *force)?
        }
        Command::HandoverImport {
            file,
            key_adult,
            handover_passphrase_file,
            into: None,
            ..
        } => records_cmd::handover_import(
            &cli,
            file,
            key_adult.as_deref(),
            handover_passphrase_file.as_deref(),
        )?,
        Command::HandoverImport {
            file,
            handover_passphrase_file,
            into: Some(into),
            take,
            confirm_date_of_birth,
            dry_run,
            names,
            ..
        } => records_cmd::handover_merge(
            &cli,
            file,
            *into,
            &records_cmd::MergeArgs {
                take,
                confirm_date_of_birth: *confirm_date_of_birth,
                dry_run: *dry_run,
                names: *names,
            },
            handover_passphrase_file.as_deref(),
        )?,
        Command::ExportSummary {
            period,
            out,
            k,
            include_school_name,
            force,
        } => summary_cmd::export_summary(&cli, period, out, *k, *include_school_name, *force)?,
        Command::MergeSummaries { files, out, force } => {
            summary_cmd::merge_summaries(files, out, *force)?
        }
        Command::Digest { for_name } => sync_cmd::digest(&cli, for_name.as_deref())?,
        Command::Sync {
            action: SyncAction::Enrol { for_name, out },
        } => sync_cmd::enrol(&cli, for_name, out)?,
        Command::Sync {
            action:
                SyncAction::Join {
                    file,
                    enrol_passphrase_file,
                },
        } => sync_cmd::join(&cli, file, enrol_passphrase_file.as_deref())?,
        Command::Sync {
            action: SyncAction::Export { for_laptop, out },
        } => sync_cmd::export(&cli, *for_laptop, out)?,
        Command::Sync {
            action: SyncAction::Import { file },
        } => sync_cmd::import(&cli, file)?,
        Command::Sync {
            action: SyncAction::Status,
        } => sync_cmd::status(&cli)?,
        Command::Sync {
            action: SyncAction::Conflicts,
        } => sync_cmd::conflicts(&cli)?,
        Command::Sync {
            action: SyncAction::Resolve { id, take_other, .. },
        } => sync_cmd::resolve(&cli, *id, *take_other)?,
        Command::Demo { size, seed, school } => demo_cmd(&cli, *size, *seed, school)?,
        Command::Bench {
            size,
            runs,
            json,
            only,
        } => bench::run(*size, *runs, json.as_deref(), only)?,
        Command::BenchKdf { runs, m_mib, t, p } => {
            let d = attune_vault::kdf::KdfParams::DEFAULT;
            let p = attune_vault::kdf::KdfParams {
                m_kib: m_mib.map_or(d.m_kib, |m| m * 1024),
                t: t.unwrap_or(d.t),
                p: p.unwrap_or(d.p),
            };
            let mut times = Vec::new();
            for _ in 0..*runs {
                let t = Instant::now();
                attune_vault::kdf::derive(b"benchmark passphrase", &[7u8; 16], p)?;
                times.push(t.elapsed().as_secs_f64());
            }
            times.sort_by(f64::total_cmp);
            println!(
                "Argon2id m={} MiB t={} p={}: median {:.3} s, min {:.3} s, max {:.3} s over {} runs{}",
                p.m_kib / 1024,
                p.t,
                p.p,
                times[times.len() / 2],
                times[0],
                times[times.len() - 1],
                runs,
                if cfg!(debug_assertions) { " (debug build: argon2 is optimised, the rest is not)" } else { "" }
            );
        }
    }
    Ok(())
}

/// `attune-admin lists`: the school's lists, and changes to them through the domain crate.
fn lists_cmd(cli: &Cli, action: Option<&ListsAction>) -> Result<()> {
    use attune_domain::record::lists;
    let mut v = open(cli)?;
    let result = (|| -> std::result::Result<(), attune_domain::Error> {
        match action {
            None | Some(ListsAction::Show) => {}
            Some(ListsAction::Add { list, label }) => {
                lists::add_list_item(&mut v, list.kind(), label, now())?
            }
            Some(ListsAction::Rename { list, old, new }) => {
                lists::rename_list_item(&mut v, list.kind(), old, new, now())?
            }
            Some(ListsAction::Reorder { list, labels }) => {
                lists::reorder_list(&mut v, list.kind(), labels, now())?
            }
            Some(ListsAction::Retire {
                list,
                label,
                restore,
            }) => lists::set_list_item_retired(&mut v, list.kind(), label, !restore, now())?,
        }
        let picks = lists::pick_lists(&v)?;
        for (name, items) in [
            ("Support levels", &picks.support_level_items),
            ("Care statuses", &picks.care_status_items),
        ] {
            println!("{name}:");
            for i in items {
                let mark = if i.retired { " (retired)" } else { "" };
                println!("  {}{mark}", i.label);
            }
        }
        Ok(())
    })();
    v.lock("cli", now());
    Ok(result?)
}
