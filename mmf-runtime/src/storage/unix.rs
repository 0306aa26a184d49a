//! What differs on Unix: file identity by device and inode, replacing a mapped
//! file with one `rename`, and syncing a directory.

use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use memmap2::{MmapOptions, MmapRaw};

/// Identifies a file on this machine.
pub(crate) type FileId = (u64, u64);

/// Whether [`replace_mapped`] leaves a moment in which `path` names no file.
pub(crate) const REPLACES_IN_TWO_STEPS: bool = false;

/// The identity of an open file.
pub(crate) fn file_id(file: &File) -> io::Result<FileId> {
    let meta = file.metadata()?;
    Ok((meta.dev(), meta.ino()))
}

/// The identity of the file `path` names now.
pub(crate) fn path_id(path: &Path) -> io::Result<FileId> {
    let meta = std::fs::metadata(path)?;
    Ok((meta.dev(), meta.ino()))
}

/// Puts the complete file `new` in the place of `path`, which nobody maps:
/// `old`, if given, is our handle on the file now there, locked, and is
/// released once the new file is in place.
pub(crate) fn replace_unmapped(new: &Path, path: &Path, old: Option<File>) -> io::Result<()> {
    std::fs::rename(new, path)?;
    drop(old);
    Ok(())
}

/// Puts the complete file `new` in the place of `path`, which other processes
/// may have mapped: `rename` replaces the name atomically, and their mappings
/// keep the old file's bytes.
pub(crate) fn replace_mapped(new: &Path, path: &Path) -> io::Result<()> {
    std::fs::rename(new, path)
}

/// Makes a rename in `path`'s directory durable.
pub(crate) fn sync_dir_of(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

/// Maps `file` read-only.
pub(crate) fn map_read_only(options: &MmapOptions, file: &File) -> io::Result<MmapRaw> {
    options.map_raw_read_only(file)
}
