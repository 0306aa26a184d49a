//! [`MappedFile`] and [`MappedFileMut`](crate::MappedFileMut): files mapped into memory, with OS locks.
//!
//! Readers hold a shared lock on the file for the life of the mapping, writers
//! an exclusive one (`flock` on Unix, `LockFileEx` on Windows, through
//! `std::fs::File::lock`). So while mmf maps a file, no other cooperating
//! process changes it, and mmf itself never changes bytes behind a view.

use core::fmt;
use core::marker::PhantomData;
use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};

use memmap2::{MmapMut, MmapRaw};

use crate::access::file_ref::{FileMut, FileRef};
use crate::access::mapped::Mapped;
use std::sync::Arc;

use crate::access::validate::{read_root, view_root};
use crate::dynamic::resolve::{Evolution, check_for, read_root_in, view_root_in};
use crate::format::error::{Error, Result};
use crate::format::header::Header;
use crate::storage::bytes::{CANNOT_CHANGE, root_mut};
use crate::storage::map::{load_header, raw_file};
use crate::storage::open::{NewFile, Opened, TempPath, open_locked, open_reader, write_new_file};
use crate::storage::options::{Access, MapOptions, io_error};

impl MapOptions {
    /// Opens a file read-only, as [`MappedFile::open`] does.
    ///
    /// # Errors
    ///
    /// As for [`MappedFile::open`].
    pub fn open<T: Mapped>(self, path: impl AsRef<Path>) -> Result<MappedFile<T>> {
        MappedFile::open_with(path.as_ref(), self, true)
    }

    /// Opens a file read-only checking only its header, as
    /// [`MappedFile::open_unchecked`] does.
    ///
    /// # Safety
    ///
    /// As for [`MappedFile::open_unchecked`].
    ///
    /// # Errors
    ///
    /// As for [`MappedFile::open_unchecked`].
    pub unsafe fn open_unchecked<T: Mapped>(self, path: impl AsRef<Path>) -> Result<MappedFile<T>> {
        MappedFile::open_with(path.as_ref(), self, false)
    }

    /// Opens a file read-write, as [`MappedFileMut::open`](crate::MappedFileMut::open) does.
    ///
    /// # Errors
    ///
    /// As for [`MappedFileMut::open`](crate::MappedFileMut::open).
    pub fn open_mut<T: Mapped>(self, path: impl AsRef<Path>) -> Result<MappedFileMut<T>> {
        MappedFileMut::open_with(path.as_ref(), self)
    }

    /// Creates a file, as [`MappedFileMut::create`](crate::MappedFileMut::create) does.
    ///
    /// # Errors
    ///
    /// As for [`MappedFileMut::create`](crate::MappedFileMut::create).
    pub fn create<T: Mapped>(self, path: impl AsRef<Path>, value: &T) -> Result<MappedFileMut<T>> {
        MappedFileMut::create_with(path.as_ref(), value, self)
    }
}

/// A file mapped read-only: the root object's view, validated once at open,
/// then read in place with no copying.
///
/// # Example
///
/// ```
/// use mmf_runtime::{MappedFile, MappedFileMut};
///
/// # let tmp = tempfile::tempdir().unwrap();
/// # let dir = tmp.path();
/// let path = dir.join("numbers.mmf");
/// drop(MappedFileMut::create(&path, &vec![1u64, 2, 3])?);
///
/// let file = MappedFile::<Vec<u64>>::open(&path)?;
/// assert_eq!(file.root().as_slice(), &[1, 2, 3]);
/// assert_eq!(file.to_owned(), vec![1, 2, 3]);
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub struct MappedFile<T: Mapped> {
    map: MmapRaw,
    header: Header,
    /// How the file stores `T`, if otherwise than this program.
    evolution: Option<Arc<Evolution>>,
    path: PathBuf,
    // Holds the shared lock; declared after `map`, so it is unmapped first.
    _file: File,
    _type: PhantomData<fn() -> T>,
}

impl<T: Mapped> MappedFile<T> {
    /// Maps `path` read-only and validates it for `T`: header, schema hash,
    /// bounds, alignment, overflow, UTF-8, tags, disjoint blocks — once.
    ///
    /// # Errors
    ///
    /// [`Error::Locked`](crate::Error::Locked) if a writer holds the file; [`Error::Io`](crate::Error::Io) if it cannot be
    /// opened or mapped; any validation error, with its offset and field path.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        MapOptions::new().open(path)
    }

    /// Like [`open`](Self::open), but waits while a writer holds the file.
    ///
    /// # Errors
    ///
    /// As for [`open`](Self::open), except [`Error::Locked`](crate::Error::Locked).
    pub fn open_blocking(path: impl AsRef<Path>) -> Result<Self> {
        MapOptions::new().wait(true).open(path)
    }

    /// Maps `path` checking only the header (magic, version, byte order, schema
    /// hash, root bounds), not the object graph: for trusted files, in constant
    /// time whatever their size.
    ///
    /// # Safety
    ///
    /// The file must be one that [`open`](Self::open) accepts, such as a file
    /// written by mmf for `T` and not changed since. (Views still check every
    /// block's bounds, but values read from an invalid file are unspecified.)
    ///
    /// # Errors
    ///
    /// As for [`open`](Self::open), for the header only.
    pub unsafe fn open_unchecked(path: impl AsRef<Path>) -> Result<Self> {
        // SAFETY: the caller's promise, passed on.
        unsafe { MapOptions::new().open_unchecked(path) }
    }

    fn open_with(path: &Path, options: MapOptions, check_graph: bool) -> Result<Self> {
        let opened = open_reader(path, options, false, |whole, header| {
            // SAFETY: `open_reader` holds the shared lock and lets us borrow
            // the version's blocks.
            unsafe { check_for::<T>(whole, header, check_graph) }
        })?;
        let Opened { file, map, checked: (header, evolution) } = opened;
        let path = path.to_owned();
        Ok(MappedFile { map, header, evolution, path, _file: file, _type: PhantomData })
    }

    /// The bytes in use (header, root, blocks), as mapped.
    ///
    /// While a [`SharedWriter`](crate::SharedWriter) publishes to the file, it stores new values to
    /// the header's root offset, data length and generation: do not read those
    /// through this slice ([`header`](Self::header) holds their values at open).
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: the mapping is readable for `data_len` bytes (checked at open)
        // while borrowed; only the header's words may change, as documented.
        unsafe { core::slice::from_raw_parts(self.map.as_ptr(), self.header.data_len as usize) }
    }

    fn data(&self) -> FileRef<'_> {
        // SAFETY: we hold the shared lock for the life of the mapping.
        unsafe { raw_file(&self.map, self.header.data_len) }
    }

    /// A view of the root object.
    pub fn root(&self) -> T::View<'_> {
        // SAFETY: `data` keeps the reachable bytes unwritten while borrowed;
        // the file was checked for `T` by `check_for`.
        unsafe { view_root_in::<T>(self.data(), &self.header, self.evolution.as_deref()) }
    }

    /// Copies the root object out of the file.
    pub fn to_owned(&self) -> T {
        // SAFETY: as in `root`.
        unsafe { read_root_in::<T>(self.data(), &self.header, self.evolution.as_deref()) }
    }

    /// Whether the file stores `T` as another version of the program does:
    /// written before or after a change to `T` that this program can read
    /// (see the README's "Changing your types"). Its views then resolve the
    /// differences; [`upgrade`](crate::upgrade) rewrites it in this
    /// program's layout.
    pub fn is_other_version(&self) -> bool {
        self.evolution.is_some()
    }

    /// The file's header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The path the file was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl<T: Mapped> fmt::Debug for MappedFile<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MappedFile")
            .field("path", &self.path)
            .field("type", &T::LAYOUT.name)
            .field("data_len", &self.header.data_len)
            .finish_non_exhaustive()
    }
}

/// A file mapped read-write: fixed-size fields are updated in place through
/// [`root_mut`](Self::root_mut), directly in the mapping.
///
/// # Example
///
/// ```
/// use mmf_runtime::{MappedFile, MappedFileMut};
///
/// # let tmp = tempfile::tempdir().unwrap();
/// # let dir = tmp.path();
/// let path = dir.join("scores.mmf");
/// let mut file = MappedFileMut::create(&path, &vec![10i32, 20, 30])?;
/// file.root_mut().as_mut_slice()[0] = 11;
/// file.flush()?;
/// drop(file);
/// assert_eq!(MappedFile::<Vec<i32>>::open(&path)?.to_owned(), [11, 20, 30]);
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub struct MappedFileMut<T: Mapped> {
    map: MmapMut,
    header: Header,
    path: PathBuf,
    // Holds the exclusive lock; declared after `map`, so it is unmapped first.
    _file: File,
    _type: PhantomData<fn() -> T>,
}

impl<T: Mapped> MappedFileMut<T> {
    /// Creates (or replaces) the file at `path` holding `value`: measures the
    /// exact size, sets the length of a new file beside `path` once, maps it,
    /// writes every stored form straight into the mapping, and renames it to
    /// `path`. So whoever opens `path` finds no file, the old one, or the new
    /// one complete — never a part of it. (A file replaced this way is
    /// replaced, not written through: a symbolic link at `path` is replaced by
    /// the file.)
    ///
    /// # Errors
    ///
    /// [`Error::Locked`](crate::Error::Locked) if another process reads or writes the file now at
    /// `path`; [`Error::Io`](crate::Error::Io) if the new file cannot be created, resized, mapped
    /// or renamed (the file at `path` is then as it was).
    pub fn create(path: impl AsRef<Path>, value: &T) -> Result<Self> {
        MapOptions::new().create(path, value)
    }

    /// Like [`create`](Self::create), but waits while others hold the file.
    ///
    /// # Errors
    ///
    /// As for [`create`](Self::create), except [`Error::Locked`](crate::Error::Locked).
    pub fn create_blocking(path: impl AsRef<Path>, value: &T) -> Result<Self> {
        MapOptions::new().wait(true).create(path, value)
    }

    pub(crate) fn create_with(path: &Path, value: &T, options: MapOptions) -> Result<Self> {
        let temp = TempPath::beside(path);
        let NewFile { file, map, header } =
            write_new_file(temp.path(), value, Access::Exclusive, options)?;
        temp.install(path, options.wait)?;
        Ok(MappedFileMut { map, header, path: path.to_owned(), _file: file, _type: PhantomData })
    }

    /// Maps an existing file read-write and validates it for `T`, as
    /// [`MappedFile::open`] does, and also proves that no two blocks overlap.
    ///
    /// # Errors
    ///
    /// [`Error::Locked`](crate::Error::Locked) if another process reads or writes the file; as for
    /// [`MappedFile::open`] otherwise.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        MapOptions::new().open_mut(path)
    }

    /// Like [`open`](Self::open), but waits while others hold the file.
    ///
    /// # Errors
    ///
    /// As for [`open`](Self::open), except [`Error::Locked`](crate::Error::Locked).
    pub fn open_blocking(path: impl AsRef<Path>) -> Result<Self> {
        MapOptions::new().wait(true).open_mut(path)
    }

    fn open_with(path: &Path, options: MapOptions) -> Result<Self> {
        let OpenedMut { file, map, checked: (header, evolution) } =
            open_exclusive::<T>(path, options)?;
        if let Some(evolution) = evolution {
            return Err(Error::OtherVersion {
                type_name: T::LAYOUT.name,
                differences: evolution.differences.clone(),
                remedy: CANNOT_CHANGE,
            });
        }
        Ok(MappedFileMut { map, header, path: path.to_owned(), _file: file, _type: PhantomData })
    }

    /// The bytes in use (header, root, blocks), as mapped.
    pub fn as_bytes(&self) -> &[u8] {
        &self.map[..self.header.data_len as usize]
    }

    /// A read-only view of the root object.
    pub fn root(&self) -> T::View<'_> {
        // SAFETY: the bytes are borrowed shared for the view's lifetime.
        unsafe { view_root::<T>(FileRef::new(self.as_bytes()), &self.header) }
    }

    /// An in-place view of the root object.
    pub fn root_mut(&mut self) -> T::ViewMut<'_> {
        let len = self.header.data_len as usize;
        let file = FileMut::new(&mut self.map[..len]);
        // SAFETY: the file was validated at open (or written by `create`, whose
        // blocks are disjoint by construction), and `&mut self` gives exclusive
        // access to the mapping for the view's lifetime.
        unsafe { root_mut::<T>(file, &self.header) }
    }

    /// Copies the root object out of the file.
    pub fn to_owned(&self) -> T {
        // SAFETY: as in `root`.
        unsafe { read_root::<T>(FileRef::new(self.as_bytes()), &self.header) }
    }

    /// Writes changed pages back to the file and waits until the OS has
    /// stored them (`msync`).
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) if the OS reports a failure.
    pub fn flush(&self) -> Result<()> {
        self.map.flush().map_err(io_error("cannot flush", &self.path))
    }

    /// Writes back the pages holding `range` (byte offsets in the file) and waits
    /// until the OS has stored them: after one in-place update, this costs one
    /// page's `msync` instead of the whole file's.
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) if the OS reports a failure, or if `range` reaches past the
    /// data in use.
    ///
    /// # Example
    ///
    /// ```
    /// use mmf_runtime::MappedFileMut;
    ///
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let dir = tmp.path();
    /// let mut file = MappedFileMut::create(dir.join("big.mmf"), &vec![0u64; 100_000])?;
    /// let mut list = file.root_mut();
    /// list.as_mut_slice()[70_000] = 7;
    /// let range = file.range_of(&file.root().as_slice()[70_000]).unwrap();
    /// file.flush_range(range)?;
    /// # Ok::<(), mmf_runtime::Error>(())
    /// ```
    pub fn flush_range(&self, range: Range<u64>) -> Result<()> {
        let in_use = range.start <= range.end && range.end <= self.header.data_len;
        if !in_use {
            let message =
                format!("range {range:?} is not inside the {} bytes in use", self.header.data_len);
            return Err(io_error("cannot flush", &self.path)(std::io::Error::other(message)));
        }
        self.map
            .flush_range(range.start as usize, (range.end - range.start) as usize)
            .map_err(io_error("cannot flush", &self.path))
    }

    /// The byte range in the file of a stored form read from this file (through
    /// [`root`](Self::root) or a view's `raw()`), or `None` if it lies elsewhere.
    pub fn range_of<R>(&self, raw: &R) -> Option<Range<u64>> {
        let base = self.map.as_ptr() as usize;
        let start = (raw as *const R as usize).checked_sub(base)?;
        let end = start + size_of::<R>();
        (end as u64 <= self.header.data_len).then_some(start as u64..end as u64)
    }

    /// The file's header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The path the file was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A file open under the exclusive lock, mapped read-write and checked.
pub(crate) struct OpenedMut {
    /// Holds the lock.
    pub file: File,
    pub map: MmapMut,
    /// The file's header, and the differences resolved if another version
    /// of the program wrote it.
    pub checked: (Header, Option<Arc<Evolution>>),
}

/// Opens the file at `path` under the exclusive lock, maps it read-write
/// and checks it for `T` or a version of `T` the program can read, proving
/// its blocks disjoint.
pub(crate) fn open_exclusive<T: Mapped>(path: &Path, options: MapOptions) -> Result<OpenedMut> {
    let file = open_locked(path, Access::Exclusive, true, options.wait)?;
    // SAFETY: the exclusive lock keeps cooperating processes away while the
    // file is mapped.
    let map =
        unsafe { options.mmap_options().map_mut(&file) }.map_err(io_error("cannot map", path))?;
    let whole = FileRef::new(&map);
    // SAFETY: `map` is borrowed shared for the call.
    let checked = unsafe { check_for::<T>(whole, load_header(whole)?, true) }?;
    Ok(OpenedMut { file, map, checked })
}

impl<T: Mapped> fmt::Debug for MappedFileMut<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MappedFileMut")
            .field("path", &self.path)
            .field("type", &T::LAYOUT.name)
            .field("data_len", &self.header.data_len)
            .finish_non_exhaustive()
    }
}

/// Rewrites the file at `path` in this program's layout of `T`, if it stores
/// `T` as another version of the program does (see the README's "Changing
/// your types"): reads it, then writes the value to a temporary file beside
/// it and renames that over it, so that readers see the old file or the new
/// one, never a mix. Returns whether it rewrote the file.
///
/// # Errors
///
/// As for [`MappedFile::open`] (a file this program cannot read is left as
/// it is) and [`MappedFileMut::create`].
///
/// # Example
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("numbers.mmf");
/// drop(mmf_runtime::MappedFileMut::create(&path, &vec![1u32, 2])?);
/// assert!(!mmf_runtime::upgrade::<Vec<u32>>(&path)?); // already this layout
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub fn upgrade<T: Mapped>(path: impl AsRef<Path>) -> Result<bool> {
    let path = path.as_ref();
    let file = MappedFile::<T>::open(path)?;
    if !file.is_other_version() {
        return Ok(false);
    }
    let value = file.to_owned();
    drop(file);
    drop(MappedFileMut::create(path, &value)?);
    Ok(true)
}
