//! [`SharedWriter`](crate::SharedWriter): publishes versions of a shared file.

use core::fmt;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicU64, Ordering, fence};
use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::MmapRaw;

use crate::access::file_ref::FileRef;
use crate::access::mapped::Mapped;
use crate::access::validate::{read_root, root_raw, view_root};
use crate::access::write::Writer;
use crate::dynamic::resolve::{check_for, read_root_in};
use crate::format::error::{Error, Result};
use crate::format::header::{
    DATA_LEN_WORD, FLAG_SUPERSEDED, FLAGS_WORD, GENERATION_WORD, HEADER_LEN, Header, ROOT_WORD,
};
use crate::storage::map::{load_header, raw_file};
use crate::storage::open::{
    NewFile, TempPath, finish_compaction, open_locked, sibling, write_new_file,
};
use crate::storage::options::{Access, MapOptions, io_error};
use crate::storage::os;
use crate::storage::shared::{superseded_bits, take_writer_lock};

impl MapOptions {
    /// Creates a file for shared writing, as [`SharedWriter::create`](crate::SharedWriter::create) does.
    ///
    /// # Errors
    ///
    /// As for [`SharedWriter::create`](crate::SharedWriter::create).
    pub fn create_shared_writer<T: Mapped>(
        self,
        path: impl AsRef<Path>,
        value: &T,
    ) -> Result<SharedWriter<T>> {
        SharedWriter::create_with(path.as_ref(), value, self)
    }

    /// Opens a file for shared writing, as [`SharedWriter::open`](crate::SharedWriter::open) does.
    ///
    /// # Errors
    ///
    /// As for [`SharedWriter::open`](crate::SharedWriter::open).
    pub fn open_shared_writer<T: Mapped>(self, path: impl AsRef<Path>) -> Result<SharedWriter<T>> {
        SharedWriter::open_with(path.as_ref(), self, false)
    }

    /// Opens a file for shared writing, rewriting it in the program's layout
    /// if another version of the program wrote it, as
    /// [`SharedWriter::open_upgrading`](crate::SharedWriter::open_upgrading) does.
    ///
    /// # Errors
    ///
    /// As for [`SharedWriter::open_upgrading`](crate::SharedWriter::open_upgrading).
    pub fn open_shared_writer_upgrading<T: Mapped>(
        self,
        path: impl AsRef<Path>,
    ) -> Result<SharedWriter<T>> {
        SharedWriter::open_with(path.as_ref(), self, true)
    }
}

/// A file shared with other processes, written by this one: each
/// [`publish`](Self::publish) appends a new version and switches readers to it
/// atomically.
///
/// Holds an exclusive lock on `<file>.lock` (one shared writer at a time) and a
/// shared lock on the file (no in-place writer meanwhile).
///
/// # Example
///
/// ```
/// use mmf_runtime::{SharedReader, SharedWriter};
///
/// # let tmp = tempfile::tempdir().unwrap();
/// # let dir = tmp.path();
/// let path = dir.join("names.mmf");
/// let mut writer = SharedWriter::create(&path, &vec![String::from("Rigi")])?;
/// let mut reader = SharedReader::<Vec<String>>::open(&path)?;
///
/// writer.update(|names| names.push(String::from("Pilatus")))?;
/// assert_eq!(reader.read(|names| names.len())?, 2);
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub struct SharedWriter<T: Mapped> {
    map: MmapRaw,
    /// The published version: root offset, data length, generation.
    pub(crate) header: Header,
    path: PathBuf,
    options: MapOptions,
    sync: bool,
    // Hold the locks; declared after `map`, so it is unmapped first.
    file: File,
    _writer_lock: File,
    _type: PhantomData<fn() -> T>,
}

impl<T: Mapped> SharedWriter<T> {
    /// Creates (or replaces) the file at `path` holding `value`, as
    /// [`MappedFileMut::create`](crate::MappedFileMut::create) does, and opens it for shared writing.
    ///
    /// # Errors
    ///
    /// [`Error::Locked`](crate::Error::Locked) if another shared writer holds the file, or anyone maps
    /// it (a file that is mapped is never replaced); as for
    /// [`MappedFileMut::create`](crate::MappedFileMut::create) otherwise.
    pub fn create(path: impl AsRef<Path>, value: &T) -> Result<Self> {
        MapOptions::new().create_shared_writer(path, value)
    }

    /// Opens an existing file for shared writing, validating it as
    /// [`MappedFileMut::open`](crate::MappedFileMut::open) does.
    ///
    /// # Errors
    ///
    /// [`Error::Locked`](crate::Error::Locked) if another shared writer or an in-place writer holds
    /// the file; [`Error::OtherVersion`](crate::Error::OtherVersion) if another version of the
    /// program wrote it (see [`open_upgrading`](Self::open_upgrading)); as for
    /// [`MappedFileMut::open`](crate::MappedFileMut::open) otherwise.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        MapOptions::new().open_shared_writer(path)
    }

    /// Opens an existing file for shared writing, as [`open`](Self::open)
    /// does, and if another version of the program wrote it (one this
    /// program can read: see the README's "Changing your types"), first
    /// publishes its latest version in this program's layout: the value as
    /// this program reads it, written to a new file renamed over the old one,
    /// as [`compact`](Self::compact) does. Readers move to it on their next
    /// read, and readers of either version keep reading every version after
    /// it — a rolling upgrade of a shared file, without stopping anyone.
    ///
    /// What this program does not know of the old file (fields it removed,
    /// variants it lacks) is not carried over: call it from the newer program.
    ///
    /// # Example
    ///
    /// ```
    /// use mmf_runtime::{SharedReader, SharedWriter};
    ///
    /// mod old {
    ///     #[derive(mmf_derive::Mapped, Debug, Clone, PartialEq)]
    ///     #[mmf(crate = "mmf_runtime")]
    ///     pub struct Counter { pub count: u32 }
    /// }
    /// mod new {
    ///     #[derive(mmf_derive::Mapped, Debug, Clone, PartialEq)]
    ///     #[mmf(crate = "mmf_runtime")]
    ///     pub struct Counter { pub count: u32, pub label: String }
    /// }
    /// # let tmp = tempfile::tempdir().unwrap();
    /// let path = tmp.path().join("counter.mmf");
    /// drop(SharedWriter::create(&path, &old::Counter { count: 1 })?);
    /// let mut old_reader = SharedReader::<old::Counter>::open(&path)?;
    ///
    /// let mut writer = SharedWriter::<new::Counter>::open_upgrading(&path)?;
    /// writer.update(|c| (c.count, c.label) = (2, "laps".into()))?;
    /// assert_eq!(old_reader.read(|c| c.count())?, 2);
    /// # Ok::<(), mmf_runtime::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`open`](Self::open), and as for [`compact`](Self::compact)
    /// when the file is rewritten.
    pub fn open_upgrading(path: impl AsRef<Path>) -> Result<Self> {
        MapOptions::new().open_shared_writer_upgrading(path)
    }

    /// Like [`open`](Self::open), but waits while another writer holds the file.
    ///
    /// # Errors
    ///
    /// As for [`open`](Self::open), except [`Error::Locked`](crate::Error::Locked).
    pub fn open_blocking(path: impl AsRef<Path>) -> Result<Self> {
        MapOptions::new().wait(true).open_shared_writer(path)
    }

    pub(crate) fn create_with(path: &Path, value: &T, options: MapOptions) -> Result<Self> {
        let writer_lock = take_writer_lock(path, options.wait)?;
        let temp = TempPath::beside(path);
        let NewFile { file, map, header } =
            write_new_file(temp.path(), value, Access::Shared, options)?;
        temp.install(path, options.wait)?;
        Ok(Self::from_parts(map.into(), file, header, path, options, writer_lock))
    }

    pub(crate) fn open_with(path: &Path, options: MapOptions, upgrade: bool) -> Result<Self> {
        let writer_lock = take_writer_lock(path, options.wait)?;
        Self::open_locked(path, options, writer_lock, upgrade)
    }

    fn open_locked(
        path: &Path,
        options: MapOptions,
        writer_lock: File,
        upgrade: bool,
    ) -> Result<Self> {
        // A compaction on Windows that stopped half-way is finished first.
        finish_compaction(path);
        let file = open_locked(path, Access::Shared, true, options.wait)?;
        // We hold the writer lock and a shared lock on the file, so no cooperating
        // process writes or truncates it but us, and we write only past the data
        // in use, and the header's words atomically.
        let map = options.mmap_options().map_raw(&file).map_err(io_error("cannot map", path))?;
        // SAFETY: we hold the shared lock, as `raw_file` asks.
        let whole = unsafe { raw_file(&map, u64::MAX) };
        // SAFETY: the bytes the check borrows are published, never written.
        let (header, evolution) = unsafe { check_for::<T>(whole, load_header(whole)?, true) }?;
        let upgraded = match evolution {
            None => None,
            Some(evolution) if upgrade => {
                // SAFETY: as above; `check_for` validated the version for
                // reading as `evolution` says.
                Some(unsafe { read_root_in::<T>(whole, &header, Some(&evolution)) })
            }
            Some(evolution) => {
                return Err(Error::OtherVersion {
                    type_name: T::LAYOUT.name,
                    differences: evolution.differences.clone(),
                    remedy: "this program can read it but not publish to it in its layout: open it with `SharedWriter::open_upgrading`, which rewrites it in this program's layout first",
                });
            }
        };
        let mut writer = Self::from_parts(map, file, header, path, options, writer_lock);
        writer.recover();
        if let Some(value) = upgraded {
            writer.replace_with(&value)?;
        }
        Ok(writer)
    }

    fn from_parts(
        map: MmapRaw,
        file: File,
        header: Header,
        path: &Path,
        options: MapOptions,
        writer_lock: File,
    ) -> Self {
        SharedWriter {
            map,
            header,
            path: path.to_owned(),
            options,
            sync: true,
            file,
            _writer_lock: writer_lock,
            _type: PhantomData,
        }
    }

    /// Repairs what a writer killed in the middle of a switch or a compaction
    /// leaves: an odd generation, a superseded flag on the file still in place.
    fn recover(&mut self) {
        if !self.header.generation.is_multiple_of(2) {
            let generation = self.header.generation + 1;
            self.word(GENERATION_WORD).store(generation, Ordering::Release);
            self.header.generation = generation;
        }
        if self.header.flags & FLAG_SUPERSEDED != 0 {
            self.header.flags &= !FLAG_SUPERSEDED;
            self.word(FLAGS_WORD).fetch_and(!superseded_bits(), Ordering::Release);
        }
    }

    /// Whether [`publish`](Self::publish) waits until the new version is on
    /// disk (`msync` of the new bytes, then of the header). On by default; a
    /// crash of the process loses nothing either way (the OS holds the pages),
    /// only a crash of the machine can.
    pub fn sync_on_publish(&mut self, sync: bool) -> &mut Self {
        self.sync = sync;
        self
    }

    /// A view of the published version.
    pub fn root(&self) -> T::View<'_> {
        // SAFETY: `data` keeps published bytes unwritten while borrowed.
        unsafe { view_root::<T>(self.data(), &self.header) }
    }

    /// Copies the published version out of the file.
    pub fn to_owned(&self) -> T {
        // SAFETY: as in `root`.
        unsafe { read_root::<T>(self.data(), &self.header) }
    }

    /// The published version's generation: 0 when created, 2 more with each
    /// publish.
    pub fn generation(&self) -> u64 {
        self.header.generation
    }

    /// The header of the published version.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The path the file was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's length, including room reserved for later versions.
    pub fn file_len(&self) -> u64 {
        self.map.len() as u64
    }

    /// Publishes `value` as the new version: writes the blocks that differ from
    /// the published version's after the data in use (growing the file if
    /// needed), syncs them, then switches the header to the new root. Readers
    /// see the old version or the new one, never a mix; views of the old one
    /// stay valid. Returns the new generation, or the old one if `value` equals
    /// the published version (then nothing is written).
    ///
    /// Comparing costs a pass over `value`; writing costs only what changed.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`](crate::Error::TooLarge) if the file would outgrow the address space;
    /// [`Error::Io`](crate::Error::Io) if it cannot be grown, mapped or synced.
    pub fn publish(&mut self, value: &T) -> Result<u64> {
        let header = self.header;
        self.append(|old, w| {
            let old_root = root_raw::<T>(old, &header);
            let root_at = w.alloc(size_of::<T::Raw>() as u64, align_of::<T::Raw>() as u64);
            // SAFETY: `old` holds published bytes, never written; it was
            // validated at open or written by us, so its blocks are disjoint.
            let raw = unsafe { value.write_reusing(old_root, old, w) };
            let changed = bytemuck::bytes_of(&raw) != bytemuck::bytes_of(old_root);
            changed.then(|| {
                w.put(root_at, &raw);
                root_at
            })
        })
    }

    /// Writes a new version past the data in use with `write`, which gets the
    /// published bytes and returns the new root's offset (or `None`: nothing to
    /// publish); if it did not fit, grows the file and writes it again (the
    /// same bytes, now all of them). Then commits it.
    pub(crate) fn append(
        &mut self,
        write: impl Fn(FileRef<'_>, &mut Writer<'_>) -> Option<u64>,
    ) -> Result<u64> {
        let start = self.header.data_len;
        loop {
            // SAFETY: the bytes past the published data lie inside the mapping
            // and are reachable from no published root, so no view, here or in
            // another process, borrows them; `&mut self` keeps ours from being
            // written twice.
            let room = unsafe {
                core::slice::from_raw_parts_mut(
                    self.map.as_mut_ptr().add(start as usize),
                    self.map.len() - start as usize,
                )
            };
            let mut w = Writer::over_from(room, start);
            let Some(root_at) = write(self.data(), &mut w) else {
                return Ok(self.header.generation);
            };
            let end = w.end();
            if !w.overflowed() {
                return self.commit(start, root_at, end);
            }
            // Grows the file to `end` at least: the next pass fits.
            self.reserve(end)?;
        }
    }

    /// Syncs the new version's bytes `start..end` (if asked), switches the
    /// header to the root at `root_at`, and syncs the header.
    fn commit(&mut self, start: u64, root_at: u64, end: u64) -> Result<u64> {
        if self.sync {
            self.map
                .flush_range(start as usize, (end - start) as usize)
                .map_err(self.io("cannot flush"))?;
        }
        self.switch(root_at, end);
        if self.sync {
            self.map.flush_range(0, HEADER_LEN as usize).map_err(self.io("cannot flush"))?;
        }
        Ok(self.header.generation)
    }

    /// Copies the published version out, lets `edit` change it, and publishes
    /// the result: only what `edit` changed is written to the file.
    ///
    /// # Errors
    ///
    /// As for [`publish`](Self::publish).
    pub fn update(&mut self, edit: impl FnOnce(&mut T)) -> Result<u64> {
        let mut value = self.to_owned();
        edit(&mut value);
        self.publish(&value)
    }

    /// Writes the published version alone to a new file and renames it over
    /// this one, atomically: the file shrinks to the data of one version.
    /// Readers notice on their next read and move to the new file; views they
    /// hold of the old one stay valid.
    ///
    /// The new file is written next to the old one as `<file>.compact`, which
    /// a crash may leave behind. On Windows, which replaces no mapped file,
    /// the old file is first renamed aside (`<file>.superseded-<n>`, deleted
    /// once its last reader unmaps it); readers that open the path in between
    /// wait for the new file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) if the new file cannot be written, synced or renamed; the
    /// old file is then still in place and in use.
    pub fn compact(&mut self) -> Result<()> {
        let value = self.to_owned();
        self.replace_with(&value)
    }

    /// Writes `value` alone to a new file and renames it over this one, as
    /// [`compact`](Self::compact) describes.
    fn replace_with(&mut self, value: &T) -> Result<()> {
        let temp = sibling(&self.path, "compact");
        // Left by a writer that stopped while writing it.
        match std::fs::remove_file(&temp) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(io_error("cannot remove", &temp)(e));
            }
            _ => {}
        }
        let NewFile { file, mut map, mut header } =
            write_new_file(&temp, value, Access::Shared, self.options)?;
        header.generation = self.header.generation + 2;
        let at = core::mem::offset_of!(Header, generation);
        map[at..at + 8].copy_from_slice(&header.generation.to_ne_bytes());
        map.flush().map_err(io_error("cannot flush", &temp))?;
        file.sync_all().map_err(io_error("cannot sync", &temp))?;

        // Flag first, then rename: a reader that sees the flag reopens the path
        // (and keeps this file if the rename never happened).
        self.word(FLAGS_WORD).fetch_or(superseded_bits(), Ordering::Release);
        if let Err(e) = os::replace_mapped(&temp, &self.path) {
            self.word(FLAGS_WORD).fetch_and(!superseded_bits(), Ordering::Release);
            let _ = std::fs::remove_file(&temp);
            return Err(io_error("cannot rename the compacted file to", &self.path)(e));
        }
        os::sync_dir_of(&self.path)
            .map_err(io_error("cannot sync the directory of", &self.path))?;
        self.map = map.into();
        self.file = file;
        self.header = header;
        Ok(())
    }

    /// The published version's bytes.
    pub(crate) fn data(&self) -> FileRef<'_> {
        // SAFETY: we hold the shared lock; published bytes are never written.
        unsafe { raw_file(&self.map, self.header.data_len) }
    }

    /// One of the header's words in the mapping, for atomic access.
    fn word(&mut self, index: usize) -> &AtomicU64 {
        // SAFETY: the mapping is page-aligned and longer than the header; the
        // header's words are only accessed atomically while readers may map it,
        // and never borrowed by views.
        unsafe { AtomicU64::from_ptr(self.map.as_mut_ptr().cast::<u64>().add(index)) }
    }

    /// Switches the header to the version at `root` whose data ends at `len`.
    fn switch(&mut self, root: u64, len: u64) {
        let generation = self.header.generation;
        // A seqlock on the header: odd while switching. The length goes before
        // the root, so every state in between names complete data.
        self.word(GENERATION_WORD).store(generation + 1, Ordering::Relaxed);
        fence(Ordering::Release);
        self.word(DATA_LEN_WORD).store(len, Ordering::Release);
        self.word(ROOT_WORD).store(root, Ordering::Release);
        self.word(GENERATION_WORD).store(generation + 2, Ordering::Release);
        self.header.data_len = len;
        self.header.root_offset = root;
        self.header.generation = generation + 2;
    }

    /// Makes the file at least `len` bytes long, growing it by half at least,
    /// and remaps it.
    fn reserve(&mut self, len: u64) -> Result<()> {
        let current = self.map.len() as u64;
        if len <= current {
            return Ok(());
        }
        let grown = len.max(current + current / 2).next_multiple_of(4096);
        if usize::try_from(grown).is_err() || grown > isize::MAX as u64 {
            return Err(Error::TooLarge { bytes: grown });
        }
        self.file.set_len(grown).map_err(self.io("cannot resize"))?;
        self.map =
            self.options.mmap_options().map_raw(&self.file).map_err(self.io("cannot map"))?;
        Ok(())
    }

    fn io(&self, action: &'static str) -> impl FnOnce(std::io::Error) -> Error + '_ {
        io_error(action, &self.path)
    }
}

impl<T: Mapped> fmt::Debug for SharedWriter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedWriter")
            .field("path", &self.path)
            .field("type", &T::LAYOUT.name)
            .field("generation", &self.header.generation)
            .field("data_len", &self.header.data_len)
            .finish_non_exhaustive()
    }
}
