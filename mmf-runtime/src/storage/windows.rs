//! What differs on Windows: file identity from the volume serial number and
//! file index, and replacing a file that others have mapped — Windows refuses
//! to delete or replace such a file, but lets it be renamed.

use core::ffi::c_void;
use std::fs::File;
use std::io;
use std::os::windows::io::AsRawHandle;
use std::path::{Path, PathBuf};
use std::time::Duration;

use memmap2::{MmapOptions, MmapRaw};

/// Identifies a file on this machine.
pub(crate) type FileId = (u32, u64);

/// Whether [`replace_mapped`] leaves a moment in which `path` names no file.
pub(crate) const REPLACES_IN_TWO_STEPS: bool = true;

#[repr(C)]
#[derive(Default)]
struct FileTime {
    low: u32,
    high: u32,
}

/// `BY_HANDLE_FILE_INFORMATION`.
#[repr(C)]
#[derive(Default)]
struct FileInformation {
    attributes: u32,
    creation_time: FileTime,
    last_access_time: FileTime,
    last_write_time: FileTime,
    volume_serial_number: u32,
    size_high: u32,
    size_low: u32,
    links: u32,
    index_high: u32,
    index_low: u32,
}

#[link(name = "kernel32")]
unsafe extern "system" {
    fn GetFileInformationByHandle(file: *mut c_void, information: *mut FileInformation) -> i32;
}

/// The identity of an open file.
pub(crate) fn file_id(file: &File) -> io::Result<FileId> {
    let mut info = FileInformation::default();
    // SAFETY: the handle is open for the call (borrowed from `file`), and
    // `info` is a writable `BY_HANDLE_FILE_INFORMATION`.
    let ok = unsafe { GetFileInformationByHandle(file.as_raw_handle().cast(), &mut info) };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    let index = (u64::from(info.index_high) << 32) | u64::from(info.index_low);
    Ok((info.volume_serial_number, index))
}

/// The identity of the file `path` names now.
pub(crate) fn path_id(path: &Path) -> io::Result<FileId> {
    file_id(&File::open(path)?)
}

/// Puts the complete file `new` in the place of `path`, which nobody maps:
/// `old`, if given, is our handle on the file now there, locked. It is closed
/// first (Windows does not replace a file that has open handles everywhere);
/// if someone maps the file in that moment, the rename fails.
pub(crate) fn replace_unmapped(new: &Path, path: &Path, old: Option<File>) -> io::Result<()> {
    drop(old);
    std::fs::rename(new, path)
}

/// Puts the complete file `new` in the place of `path`, which other processes
/// may have mapped. Windows refuses to replace a mapped file, but renames it:
/// the old file moves aside to `<file>.superseded-<n>`, the new one takes its
/// name, and the old one is deleted, which Windows completes when the last
/// mapping of it closes. Between the two renames `path` names no file; readers
/// that find it missing while `<file>.compact` exists wait for it.
pub(crate) fn replace_mapped(new: &Path, path: &Path) -> io::Result<()> {
    let aside = aside_name(path)?;
    std::fs::rename(path, &aside)?;
    if let Err(e) = std::fs::rename(new, path) {
        // Put the old file back; it is complete and still in use.
        let _ = std::fs::rename(&aside, path);
        return Err(e);
    }
    // Deleted now, or when the last mapping of it closes.
    let _ = std::fs::remove_file(&aside);
    Ok(())
}

/// A name beside `path` that no file has: superseded files may linger while
/// readers still map them.
fn aside_name(path: &Path) -> io::Result<PathBuf> {
    let name = path.file_name().unwrap_or_default();
    for n in 0..1000u32 {
        let mut aside = name.to_owned();
        aside.push(format!(".superseded-{n}"));
        let aside = path.with_file_name(aside);
        // A superseded file being deleted may refuse even to be looked at.
        if matches!(aside.try_exists(), Ok(false)) {
            return Ok(aside);
        }
    }
    Err(io::Error::other("1000 superseded files are still in use beside it"))
}

/// Makes a rename in `path`'s directory durable: NTFS journals renames, and
/// Windows has no call to sync a directory.
pub(crate) fn sync_dir_of(_path: &Path) -> io::Result<()> {
    Ok(())
}

/// How many times [`map_read_only`] tries.
const MAP_TRIES: u32 = 20;

/// Maps `file` read-only. Mapping a file while another process extends it
/// (a shared writer growing the file) can fail with "access denied" for a
/// moment: that is tried again, a bounded number of times.
pub(crate) fn map_read_only(options: &MmapOptions, file: &File) -> io::Result<MmapRaw> {
    let mut tries = 1;
    loop {
        match options.map_raw_read_only(file) {
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied && tries < MAP_TRIES => {
                std::thread::sleep(Duration::from_millis(1));
                tries += 1;
            }
            mapped => return mapped,
        }
    }
}
