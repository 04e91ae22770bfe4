//! Small file-system helpers: atomic replacement and the vault folder's lock.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Replace `path` with `bytes` so that a crash leaves either the old or the new content,
/// never a mix: write a temporary file beside it, fsync, rename over, fsync the folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::Internal("a path without a folder".into()))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp"));
    {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        set_private(&f);
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    sync_dir(dir)?;
    Ok(())
}

/// Removes a SQLite database file and the side files SQLite may have left beside it
/// (`-journal`, `-wal`, `-shm`), ignoring any that are not there.
pub fn remove_db_files(db: &Path) {
    let _ = std::fs::remove_file(db);
    for suffix in ["-journal", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(std::path::PathBuf::from(p));
    }
}

pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Files in the vault folder are readable by their owner only (they are encrypted anyway).
pub fn set_private(f: &File) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = f.set_permissions(fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = f;
}

pub fn create_private_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// An exclusive lock on the vault folder, held while a vault is open, so two processes
/// never open it at once. Released when dropped (and by the OS if the process dies).
#[derive(Debug)]
pub struct DirLock {
    _file: File,
    pub path: PathBuf,
}

impl DirLock {
    pub fn acquire(dir: &Path) -> Result<DirLock> {
        let path = dir.join("vault.lock");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        set_private(&file);
        match fs4::fs_std::FileExt::try_lock_exclusive(&file) {
            Ok(true) => Ok(DirLock { _file: file, path }),
            Ok(false) => Err(Error::VaultInUse),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Err(Error::VaultInUse),
            Err(e) => Err(Error::Io(e)),
        }
    }
}
