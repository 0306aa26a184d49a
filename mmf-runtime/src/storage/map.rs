//! Reading a mapping held under a lock: its header, atomically, and the
//! checked file reference that views resolve offsets through.

use std::fs::File;
use std::path::Path;

use memmap2::MmapRaw;

use crate::access::file_ref::FileRef;
use crate::format::error::{Error, Result};
use crate::format::header::{HEADER_LEN, Header};
use crate::storage::options::{MapOptions, io_error};
use crate::storage::os;

/// Maps a locked file read-only. Its bytes are accessed only through
/// [`raw_file`], which borrows no more than the blocks views resolve.
pub(crate) fn map_read_only(file: &File, path: &Path, options: MapOptions) -> Result<MmapRaw> {
    os::map_read_only(&options.mmap_options(), file).map_err(io_error("cannot map", path))
}

/// Reads the header of a mapped file with [`Header::load`], which a shared
/// writer's concurrent publish cannot tear.
pub(crate) fn load_header(map: FileRef<'_>) -> Result<Header> {
    if map.len() < HEADER_LEN {
        // SAFETY: too short to hold a header, so nobody stores to it.
        return Header::read(unsafe { map.block::<u8>(0, map.len()) }.unwrap_or_default());
    }
    // SAFETY: a mapping is page-aligned and `map` has at least `HEADER_LEN` bytes;
    // mmf writes a mapped header that others may read only with atomic stores.
    unsafe { Header::load(map.base()) }
}

/// A whole read-only mapping, for checking and viewing without a reference to
/// all of its bytes.
///
/// # Safety
///
/// The caller must hold a lock on the mapped file: then the bytes views reach
/// are never written while the mapping lasts (in-place writers are excluded; a
/// shared writer writes only past the published data, and the header's words
/// atomically, which views never borrow).
pub(crate) unsafe fn raw_file(map: &MmapRaw, len: u64) -> FileRef<'_> {
    let len = usize::try_from(len).map_or(map.len(), |len| len.min(map.len()));
    // SAFETY: the mapping is readable for `map.len()` bytes while borrowed; the
    // caller's promise covers the rest.
    unsafe { FileRef::from_raw(map.as_ptr(), len) }
}

/// Reads the header of a file too short to map, for the right error.
pub(crate) fn short_file_error(file: &mut File, path: &Path) -> Error {
    use std::io::Read;
    let mut bytes = Vec::new();
    if let Err(e) = file.read_to_end(&mut bytes) {
        return io_error("cannot read", path)(e);
    }
    match Header::read(&bytes) {
        Err(e) => e,
        Ok(_) => Error::TruncatedHeader { len: bytes.len() as u64 },
    }
}
