//! [`SharedReader`]: follows the versions a shared writer publishes.

use core::fmt;
use core::marker::PhantomData;
use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::MmapRaw;

use crate::access::mapped::Mapped;
use crate::dynamic::resolve::{Evolution, check_for, check_version_for, view_root_in};
use crate::format::error::Result;
use crate::format::header::{FLAG_SUPERSEDED, Header};
use crate::storage::map::{load_header, map_read_only, raw_file};
use crate::storage::open::{Opened, open_reader, replaced};
use crate::storage::options::MapOptions;
use std::sync::Arc;

impl MapOptions {
    /// Opens a file for shared reading, as [`SharedReader::open`] does.
    ///
    /// # Errors
    ///
    /// As for [`SharedReader::open`].
    pub fn open_shared_reader<T: Mapped>(self, path: impl AsRef<Path>) -> Result<SharedReader<T>> {
        SharedReader::open_with(path.as_ref(), self)
    }
}

/// A file shared with other processes, read by this one: every
/// [`read`](Self::read) sees the latest version a [`SharedWriter`](crate::SharedWriter) published,
/// whole and validated.
///
/// Holds a shared lock on the file, so no in-place writer
/// ([`MappedFileMut`](crate::MappedFileMut)) can change it meanwhile; a shared writer can.
///
/// # Example
///
/// ```
/// use mmf_runtime::{SharedReader, SharedWriter};
///
/// # let tmp = tempfile::tempdir().unwrap();
/// # let dir = tmp.path();
/// let path = dir.join("counter.mmf");
/// let mut writer = SharedWriter::create(&path, &0u64)?;
/// let mut reader = SharedReader::<u64>::open(&path)?;
/// for n in 1..=3 {
///     writer.publish(&n)?;
///     assert_eq!(reader.read(|count| count)?, n);
/// }
/// assert_eq!(reader.generation(), 6);
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub struct SharedReader<T: Mapped> {
    map: MmapRaw,
    /// The version views show, validated.
    header: Header,
    /// How that version stores `T`, if otherwise than this program.
    evolution: Option<Arc<Evolution>>,
    path: PathBuf,
    options: MapOptions,
    // Holds the shared lock; declared after `map`, so it is unmapped first.
    file: File,
    _type: PhantomData<fn() -> T>,
}

impl<T: Mapped> SharedReader<T> {
    /// Maps `path` read-only and validates its latest version for `T`.
    ///
    /// # Errors
    ///
    /// [`Error::Locked`](crate::Error::Locked) if an in-place writer ([`MappedFileMut`](crate::MappedFileMut)) holds the
    /// file; as for [`MappedFile::open`](crate::MappedFile::open) otherwise.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        MapOptions::new().open_shared_reader(path)
    }

    pub(crate) fn open_with(path: &Path, options: MapOptions) -> Result<Self> {
        let opened = open_reader(path, options, true, |whole, header| {
            // SAFETY: `open_reader` holds the shared lock and lets us borrow
            // the version's blocks.
            unsafe { check_for::<T>(whole, header, true) }
        })?;
        let Opened { file, map, checked: (header, evolution) } = opened;
        let path = path.to_owned();
        Ok(SharedReader { map, header, evolution, path, options, file, _type: PhantomData })
    }

    /// The header of the latest version.
    fn load(map: &MmapRaw) -> Result<Header> {
        // SAFETY: we hold the shared lock, as `raw_file` asks.
        load_header(unsafe { raw_file(map, u64::MAX) })
    }

    /// Validates the version `header` names in `map`, and resolves it if it
    /// stores `T` as another version of the program does (unless `known`
    /// was resolved from the same embedded schema).
    fn check(
        map: &MmapRaw,
        header: Header,
        known: Option<&Arc<Evolution>>,
    ) -> Result<(Header, Option<Arc<Evolution>>)> {
        // SAFETY: we hold the shared lock. The handle covers the whole mapping,
        // but only the version's blocks are borrowed, and only while checked;
        // the writer may be appending past them.
        unsafe { check_version_for::<T>(raw_file(map, u64::MAX), header, known) }
    }

    /// Moves to the latest published version, if it is not the one views show;
    /// returns whether it moved.
    ///
    /// # Errors
    ///
    /// Any validation error of the new version; [`Error::Io`](crate::Error::Io) if the file, or
    /// the compacted file that replaced it, cannot be mapped.
    pub fn refresh(&mut self) -> Result<bool> {
        let latest = Self::load(&self.map)?;
        if latest.flags & FLAG_SUPERSEDED != 0 && replaced(&self.file, &self.path) {
            *self = Self::open_with(&self.path, self.options)?;
            return Ok(true);
        }
        let same = (latest.root_offset, latest.data_len)
            == (self.header.root_offset, self.header.data_len);
        if same {
            self.header.generation = latest.generation;
            return Ok(false);
        }
        if latest.data_len > self.map.len() as u64 {
            // The writer grew the file: map it anew. (If it was compacted
            // meanwhile, Windows may refuse: then follow the path.)
            match map_read_only(&self.file, &self.path, self.options) {
                Ok(map) => self.map = map,
                Err(_) if replaced(&self.file, &self.path) => {
                    *self = Self::open_with(&self.path, self.options)?;
                    return Ok(true);
                }
                Err(e) => return Err(e),
            }
        }
        (self.header, self.evolution) = Self::check(&self.map, latest, self.evolution.as_ref())?;
        Ok(true)
    }

    /// Runs `f` on a view of the latest version. The version stays as it is
    /// while `f` runs, whatever the writer publishes meanwhile.
    ///
    /// # Errors
    ///
    /// As for [`refresh`](Self::refresh).
    pub fn read<R>(&mut self, f: impl FnOnce(T::View<'_>) -> R) -> Result<R> {
        Ok(f(self.latest()?))
    }

    /// A view of the latest version, which stays as it is while borrowed.
    ///
    /// # Errors
    ///
    /// As for [`refresh`](Self::refresh).
    pub fn latest(&mut self) -> Result<T::View<'_>> {
        self.refresh()?;
        Ok(self.view())
    }

    /// A view of the version last read, without looking for a newer one.
    pub fn view(&self) -> T::View<'_> {
        // SAFETY: we hold the shared lock; the version's bytes are never written.
        unsafe {
            let data = raw_file(&self.map, self.header.data_len);
            view_root_in::<T>(data, &self.header, self.evolution.as_deref())
        }
    }

    /// The generation of the version last read (see
    /// [`SharedWriter::generation`](crate::SharedWriter::generation)); odd if it was read while a writer was
    /// stopped in the middle of switching versions.
    pub fn generation(&self) -> u64 {
        self.header.generation
    }

    /// Whether the version last read stores `T` as another version of the
    /// program does (see [`MappedFile::is_other_version`](crate::MappedFile::is_other_version)):
    /// a shared file changes layout when a newer writer takes it over with
    /// [`SharedWriter::open_upgrading`](crate::SharedWriter::open_upgrading).
    pub fn is_other_version(&self) -> bool {
        self.evolution.is_some()
    }

    /// The header of the version last read.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The path the file was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl<T: Mapped> fmt::Debug for SharedReader<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedReader")
            .field("path", &self.path)
            .field("type", &T::LAYOUT.name)
            .field("generation", &self.header.generation)
            .field("data_len", &self.header.data_len)
            .finish_non_exhaustive()
    }
}
