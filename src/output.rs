//! Writing output files so that a failed write never destroys what was there before.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes a file through a temporary sibling that replaces it only once `write` succeeds.
///
/// A symlink is followed, so its target is replaced and the link kept. A path that exists but is
/// not a regular file, such as `/dev/stdout` or a named pipe, is written directly.
///
/// # Errors
/// Returns the I/O error of creating, writing or renaming the file; the earlier file, if any,
/// is then left as it was.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    if let Ok(metadata) = std::fs::metadata(path)
        && !metadata.is_file()
    {
        let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
        write(&mut file)?;
        return file.flush();
    }
    let target: PathBuf = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let temporary = temporary_in(&folder, std::fs::metadata(&target).ok())?;
    let mut out = io::BufWriter::new(temporary);
    write(&mut out)?;
    let temporary = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    temporary.persist(&target).map_err(|error| error.error)?;
    Ok(())
}

/// Creates the temporary file with the mode a plain `File::create` would give: the replaced
/// file's permissions, or read-write for all less the umask for a new file. (tempfile alone
/// would create it readable by its owner only, and the rename would keep that.)
fn temporary_in(
    folder: &Path,
    replaced: Option<std::fs::Metadata>,
) -> io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The umask applies to this mode at creation, as it does for `open(2)`.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let temporary = builder.tempfile_in(folder)?;
    if let Some(metadata) = replaced {
        temporary
            .as_file()
            .set_permissions(metadata.permissions())?;
    }
    Ok(temporary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_keeps_old_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("out.csv");
        std::fs::write(&path, "old\n").unwrap();
        let result = write_atomically(&path, |out: &mut dyn Write| {
            out.write_all(b"partial")?;
            Err(io::Error::other("disk full"))
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 1);
    }

    #[test]
    fn symlink_target_is_replaced() {
        let folder = tempfile::tempdir().unwrap();
        let target = folder.path().join("real.csv");
        let link = folder.path().join("link.csv");
        std::fs::write(&target, "old\n").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomically(&link, |out: &mut dyn Write| out.write_all(b"new\n")).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new\n");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[test]
    fn new_file_gets_the_umask_mode() {
        use std::os::unix::fs::PermissionsExt;
        let folder = tempfile::tempdir().unwrap();
        let plain = folder.path().join("plain.csv");
        std::fs::File::create(&plain).unwrap();
        let path = folder.path().join("out.csv");
        write_atomically(&path, |out: &mut dyn Write| out.write_all(b"new\n")).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&plain));
    }

    #[test]
    fn replaced_file_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("out.csv");
        std::fs::write(&path, "old\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomically(&path, |out: &mut dyn Write| out.write_all(b"new\n")).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[test]
    fn user_partial_file_is_untouched() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("out.csv");
        let partial = folder.path().join("out.csv.partial");
        std::fs::write(&partial, "mine\n").unwrap();
        write_atomically(&path, |out: &mut dyn Write| out.write_all(b"new\n")).unwrap();
        assert_eq!(std::fs::read_to_string(&partial).unwrap(), "mine\n");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
    }
}
