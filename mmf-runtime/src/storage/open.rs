//! Opening and creating files by path while other processes create, grow,
//! publish and compact them.
//!
//! - A new file is written whole under a temporary name in the same directory
//!   and renamed into place, so a path names no file or a complete one.
//! - A reader opens the path, locks the file, and maps it; if the path came to
//!   name another file meanwhile (it was created anew or compacted), it starts
//!   again; if the header names data past the mapping (a shared writer grew the
//!   file), it maps the file again. Every other problem is an error.

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use memmap2::{MmapMut, MmapRaw};

use crate::access::file_ref::FileRef;
use crate::access::mapped::Mapped;
use crate::access::write::{plan, write_image};
use crate::format::error::{Error, Result};
use crate::format::header::{FLAG_SUPERSEDED, HEADER_LEN, Header};
use crate::storage::lock::{data_lock_holder, lock};
use crate::storage::map::{load_header, map_read_only, raw_file, short_file_error};
use crate::storage::options::{Access, MapOptions, Wait, io_error};
use crate::storage::os;

/// How many times an open starts again because the path came to name another
/// file while it ran. A writer replaces a file once per create or compaction,
/// so only one that does nothing else could outrun this many tries.
const OPEN_TRIES: u32 = 200;

/// The longest pause between two tries.
const MAX_PAUSE: Duration = Duration::from_millis(10);

/// A file opened for reading: locked shared, mapped, and checked.
pub(crate) struct Opened<R> {
    pub file: File,
    pub map: MmapRaw,
    /// What `check` returned.
    pub checked: R,
}

/// Opens `path` read-only, locks it shared, maps it, and runs `check` on the
/// mapping and the header of the latest version — starting again while the
/// path is being replaced, mapping again if the file grew. With `follow`, the
/// file opened is always the one the path names once the lock is held (a
/// shared reader must not stay with a file no writer publishes to); without,
/// it may be one replaced a moment ago, complete and valid.
///
/// `check` gets a whole mapping that may be borrowed only where the header's
/// version lies.
///
/// # Errors
///
/// What opening, locking, mapping or `check` reports; [`Error::Unsettled`] if
/// the path was replaced at every try.
pub(crate) fn open_reader<R>(
    path: &Path,
    options: MapOptions,
    follow: bool,
    check: impl Fn(FileRef<'_>, Header) -> Result<R>,
) -> Result<Opened<R>> {
    settle(path, || try_open_reader(path, options, follow, &check))
}

/// Opens the file `path` names (for writing too, if `write`), takes the lock,
/// and checks that the file can hold a header — starting again while the path
/// is being replaced, so the file locked is the one the path names.
///
/// # Errors
///
/// What opening or locking reports, an error for a file too short for a
/// header, and [`Error::Unsettled`] if the path was replaced at every try.
pub(crate) fn open_locked(path: &Path, access: Access, write: bool, wait: Wait) -> Result<File> {
    settle(path, || try_open_locked(path, access, write, wait, true))
}

/// Runs `attempt` until it gives a result (`Some`) or an error, pausing a
/// little longer each time it gives `None` (the path was being replaced).
fn settle<R>(path: &Path, mut attempt: impl FnMut() -> Result<Option<R>>) -> Result<R> {
    let mut pause = Duration::ZERO;
    for _ in 0..OPEN_TRIES {
        if let Some(done) = attempt()? {
            return Ok(done);
        }
        std::thread::sleep(pause);
        pause = (pause * 2 + Duration::from_micros(20)).min(MAX_PAUSE);
    }
    Err(Error::Unsettled { path: path.to_owned(), tries: OPEN_TRIES })
}

/// One try of [`open_locked`]: `None` if the path was being replaced. With
/// `follow`, the file must still be the one the path names once locked.
fn try_open_locked(
    path: &Path,
    access: Access,
    write: bool,
    wait: Wait,
    follow: bool,
) -> Result<Option<File>> {
    let mut file = match OpenOptions::new().read(true).write(write).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound && reappearing(path) => return Ok(None),
        Err(e) => return Err(io_error("cannot open", path)(e)),
    };
    match lock(&file, path, access, wait, data_lock_holder(access)) {
        // A writer holds it exclusively: one creating a file in its place
        // holds it for the moment of the rename.
        Err(Error::Locked { .. } | Error::LockTimeout { .. }) if replaced(&file, path) => {
            return Ok(None);
        }
        locked => locked?,
    }
    if follow && replaced(&file, path) {
        return Ok(None);
    }
    let len = file.metadata().map_err(io_error("cannot read the metadata of", path));
    let checked = match len {
        Ok(len) if len.len() < HEADER_LEN => Err(short_file_error(&mut file, path)),
        len => len.map(Some),
    };
    Ok(unless_replaced(&file, path, checked)?.map(|_| file))
}

/// One try of [`open_reader`]: `None` if the path was being replaced.
fn try_open_reader<R>(
    path: &Path,
    options: MapOptions,
    follow: bool,
    check: &impl Fn(FileRef<'_>, Header) -> Result<R>,
) -> Result<Option<Opened<R>>> {
    let Some(file) = try_open_locked(path, Access::Shared, false, options.wait, follow)? else {
        return Ok(None);
    };
    let mapped = unless_replaced(&file, path, map_and_check(&file, path, options, check))?;
    Ok(mapped.map(|(map, checked)| Opened { file, map, checked }))
}

/// Maps a locked file and checks the version its header names: `None` if it
/// was compacted, so the path names another file.
fn map_and_check<R>(
    file: &File,
    path: &Path,
    options: MapOptions,
    check: &impl Fn(FileRef<'_>, Header) -> Result<R>,
) -> Result<Option<(MmapRaw, R)>> {
    // Only ever read. We hold a shared lock, so no cooperating process
    // truncates the file or writes bytes a view reaches while it is mapped (a
    // shared writer appends, and stores the header's words atomically); what a
    // process ignoring the lock can do is documented on the crate.
    let mut map = map_read_only(file, path, options)?;
    // SAFETY: we hold the shared lock, as `raw_file` asks.
    let header = load_header(unsafe { raw_file(&map, u64::MAX) })?;
    if header.flags & FLAG_SUPERSEDED != 0 && replaced(file, path) {
        // Compacted: the path names the new file, or will in a moment.
        return Ok(None);
    }
    if header.data_len > map.len() as u64 {
        // A shared writer grew the file before publishing this version: the
        // file is long enough now.
        map = map_read_only(file, path, options)?;
    }
    // SAFETY: we hold the shared lock; `check` borrows only the version's blocks.
    let checked = check(unsafe { raw_file(&map, u64::MAX) }, header)?;
    Ok(Some((map, checked)))
}

/// `result` of work on `file`, unless it failed and `path` names another file
/// by now: then `None`, and the open starts again with that file. (Windows,
/// for one, refuses to map a superseded file once it is being deleted.)
fn unless_replaced<R>(file: &File, path: &Path, result: Result<Option<R>>) -> Result<Option<R>> {
    match result {
        Err(_) if replaced(file, path) => Ok(None),
        result => result,
    }
}

/// Whether `path` now names another file than `file` (or none).
pub(crate) fn replaced(file: &File, path: &Path) -> bool {
    match (os::file_id(file), os::path_id(path)) {
        (Ok(open), Ok(now)) => open != now,
        _ => true,
    }
}

/// `path` with `.suffix` added to its file name.
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".");
    name.push(suffix);
    path.with_file_name(name)
}

/// Whether `path`, just found to name no file, may name one in a moment: it
/// does now (it was being replaced), or a compaction that replaces a file in
/// two steps (Windows) is under way, its compacted file waiting beside it as
/// `<file>.compact`. If no writer is alive to finish that compaction, finishes it.
pub(crate) fn reappearing(path: &Path) -> bool {
    // The compacted file first: it is renamed to `path`, so if it is gone by
    // now, `path` is there.
    if os::REPLACES_IN_TWO_STEPS && sibling(path, "compact").exists() {
        let writer_lock = OpenOptions::new().read(true).write(true).open(sibling(path, "lock"));
        if let Ok(writer_lock) = writer_lock
            && writer_lock.try_lock().is_ok()
        {
            finish_compaction(path);
        }
        return true;
    }
    path.exists()
}

/// Where a compaction replaces a file in two steps (Windows) and its writer
/// stopped between them, puts the compacted file in place: it was complete
/// and synced before the old file moved aside. Only for the holder of the
/// writer lock.
pub(crate) fn finish_compaction(path: &Path) {
    let compacted = sibling(path, "compact");
    if os::REPLACES_IN_TWO_STEPS && compacted.exists() && !path.exists() {
        let _ = std::fs::rename(&compacted, path);
    }
}

/// A file written whole before anyone can open it, and locked from the start.
pub(crate) struct NewFile {
    pub file: File,
    pub map: MmapMut,
    pub header: Header,
}

/// Writes `value` to a new file at `path` (which must not exist), locked
/// with `access`.
pub(crate) fn write_new_file<T: Mapped>(
    path: &Path,
    value: &T,
    access: Access,
    options: MapOptions,
) -> Result<NewFile> {
    let plan = plan(value)?;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io_error("cannot create", path))?;
    // Nobody else knows the file yet.
    lock(&file, path, access, Wait::No, data_lock_holder(access))?;
    file.set_len(plan.len as u64).map_err(io_error("cannot resize", path))?;
    // SAFETY: nobody else maps, writes or truncates the file: it has a name
    // of its own until we rename it, and we hold its lock from then on.
    let mut map =
        unsafe { options.mmap_options().map_mut(&file) }.map_err(io_error("cannot map", path))?;
    write_image(value, &plan, &mut map);
    let header = Header::read(&map)?;
    Ok(NewFile { file, map, header })
}

/// A temporary file beside a path, removed on drop unless it was renamed.
pub(crate) struct TempPath {
    path: PathBuf,
    installed: bool,
}

impl TempPath {
    /// A name beside `path` that no file has: `.<file>.<pid>-<n>.tmp`.
    pub(crate) fn beside(path: &Path) -> TempPath {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut name = std::ffi::OsString::from(".");
        name.push(path.file_name().unwrap_or_default());
        name.push(format!(".{}-{n}.tmp", std::process::id()));
        TempPath { path: path.with_file_name(name), installed: false }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the temporary file to `path`, replacing the file there unless
    /// someone else holds it: waiting for that as `wait` says.
    pub(crate) fn install(mut self, path: &Path, wait: Wait) -> Result<()> {
        let old = match File::open(path) {
            Ok(old) => {
                let holder = data_lock_holder(Access::Exclusive);
                lock(&old, path, Access::Exclusive, wait, holder)?;
                Some(old)
            }
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return Err(io_error("cannot open", path)(e)),
        };
        os::replace_unmapped(&self.path, path, old).map_err(|e| {
            if cfg!(windows) && e.kind() == ErrorKind::PermissionDenied {
                // Windows: someone mapped the old file in the moment it was unlocked.
                Error::Locked { path: path.to_owned(), holder: data_lock_holder(Access::Exclusive) }
            } else {
                io_error("cannot rename a new file to", path)(e)
            }
        })?;
        self.installed = true;
        Ok(())
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if !self.installed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
