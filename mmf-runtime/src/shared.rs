//! Sharing one file between processes: one [`SharedWriter`] publishes new
//! versions while any number of [`SharedReader`]s, in any processes, read the
//! latest one — without blocking, without copying, and without ever seeing a
//! half-written version.
//!
//! # How it works
//!
//! Published bytes are never changed. The writer appends each new version
//! after the data in use (only the blocks that changed; unchanged blocks are
//! shared with the previous version), then switches the header's data length,
//! root offset and generation with atomic stores, the root last. A reader loads
//! those three words atomically and views the version they name; the bytes it
//! reads stay as they are for as long as it holds the view, whatever the writer
//! does meanwhile. So readers never retry, never wait and never see a mix of
//! two versions, and in Rust's memory model no byte is written while a
//! reference to it is live: the header words are only ever accessed atomically,
//! through raw pointers, and views cover only published bytes.
//!
//! Each reader validates every version it sees once, when it first sees it;
//! reading an already validated version costs three atomic loads.
//!
//! A writer killed at any moment leaves a file that opens to the last version
//! whose root offset was stored: the data length is stored before the root, and
//! both name complete data in every state the writer passes through.
//!
//! # Locks
//!
//! | who | data file | `<file>.lock` |
//! |---|---|---|
//! | [`SharedReader`], [`MappedFile`](crate::MappedFile) | shared | — |
//! | [`SharedWriter`] | shared | exclusive |
//! | [`MappedFileMut`](crate::MappedFileMut) (in-place writes) | exclusive | — |
//!
//! So one shared writer at a time, no in-place writer while anyone shares the
//! file, and nobody truncates a file that someone has mapped. The lock file
//! next to the data file is created on first use and left in place.

use core::fmt;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicU64, Ordering, fence};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use memmap2::MmapRaw;

use crate::dynamic::{DynKind, DynLayout, PathStep, StepKind};
use crate::error::{Error, Result};
use crate::file::{Access, MapOptions, Wait, check_mapping, io_error, load_header, lock, raw_file};
use crate::header::{
    DATA_LEN_WORD, FLAG_SUPERSEDED, FLAGS_WORD, GENERATION_WORD, HEADER_LEN, Header, ROOT_WORD,
};
use crate::mapped::Mapped;
use crate::open::{
    NewFile, Opened, TempPath, finish_compaction, open_locked, open_reader, replaced, sibling,
    write_new_file,
};
use crate::os;
use crate::validate::{check_header, read_root, root_raw, view_root};
use crate::view::FileRef;
use crate::write::Writer;

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
    header: Header,
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
    /// [`MappedFileMut::create`] does, and opens it for shared writing.
    ///
    /// # Errors
    ///
    /// [`Error::Locked`] if another shared writer holds the file, or anyone maps
    /// it (a file that is mapped is never replaced); as for
    /// [`MappedFileMut::create`] otherwise.
    pub fn create(path: impl AsRef<Path>, value: &T) -> Result<Self> {
        MapOptions::new().create_shared_writer(path, value)
    }

    /// Opens an existing file for shared writing, validating it as
    /// [`MappedFileMut::open`] does.
    ///
    /// # Errors
    ///
    /// [`Error::Locked`] if another shared writer or an in-place writer holds
    /// the file; as for [`MappedFileMut::open`] otherwise.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        MapOptions::new().open_shared_writer(path)
    }

    /// Like [`open`](Self::open), but waits while another writer holds the file.
    ///
    /// # Errors
    ///
    /// As for [`open`](Self::open), except [`Error::Locked`].
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

    pub(crate) fn open_with(path: &Path, options: MapOptions) -> Result<Self> {
        let writer_lock = take_writer_lock(path, options.wait)?;
        Self::open_locked(path, options, writer_lock)
    }

    fn open_locked(path: &Path, options: MapOptions, writer_lock: File) -> Result<Self> {
        // A compaction on Windows that stopped half-way is finished first.
        finish_compaction(path);
        let file = open_locked(path, Access::Shared, true, options.wait)?;
        // We hold the writer lock and a shared lock on the file, so no cooperating
        // process writes or truncates it but us, and we write only past the data
        // in use, and the header's words atomically.
        let map = options.mmap_options().map_raw(&file).map_err(io_error("cannot map", path))?;
        // SAFETY: we hold the shared lock, as `check_mapping` asks.
        let header = unsafe { check_mapping::<T>(&map, true) }?;
        let mut writer = Self::from_parts(map, file, header, path, options, writer_lock);
        writer.recover();
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
    /// [`Error::TooLarge`] if the file would outgrow the address space;
    /// [`Error::Io`] if it cannot be grown, mapped or synced.
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
    fn append(
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

    /// Publishes a new version in which the value at `path` (as for
    /// [`DynValue::path`](crate::DynValue::path): `hikes[3].date`) is `value`:
    /// writes `value`, then a copy of each list block on the way from the root
    /// with one element changed, then a new root — nothing else is read or
    /// compared, so the cost is that of the value and of the lists on the path,
    /// not of the whole data.
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchPath`] if the path names no value of the published
    /// version; [`Error::PathType`] if the value there is not a `V`; as for
    /// [`publish`](Self::publish) otherwise.
    ///
    /// # Example
    ///
    /// ```
    /// use mmf_runtime::SharedWriter;
    ///
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let dir = tmp.path();
    /// let mut writer = SharedWriter::create(dir.join("days.mmf"), &vec![vec![String::from("Rigi")]])?;
    /// writer.set("[0][0]", &String::from("Pilatus"))?;
    /// writer.set("[0]", &vec![String::from("Säntis"), String::from("Napf")])?;
    /// assert_eq!(writer.to_owned(), [["Säntis", "Napf"]]);
    /// assert!(writer.set("[0][0]", &7u32).is_err()); // a String is there
    /// # Ok::<(), mmf_runtime::Error>(())
    /// ```
    pub fn set<V: Mapped>(&mut self, path: &str, value: &V) -> Result<u64> {
        let frames = self.frames(path, &DynLayout::from_layout(V::LAYOUT))?;
        self.append(|old, w| Some(write_frames(old, &frames, value, w)))
    }

    /// The blocks on the way to the value at `path`, which must have `layout`:
    /// the root first, then each list block the path enters.
    fn frames(&self, path: &str, layout: &DynLayout) -> Result<Vec<Frame>> {
        let root_layout = DynLayout::from_layout(T::LAYOUT);
        let data = self.data();
        let read_u64 = |at: u64| {
            // SAFETY: published bytes are never written.
            let bytes = unsafe { data.block::<u8>(at, 8) }?;
            Some(u64::from_ne_bytes(bytes.try_into().ok()?))
        };
        let root = self.header.root_offset;
        let mut frames = vec![Frame {
            start: root,
            len: root_layout.size,
            align: root_layout.align,
            list_at: None,
            at: root,
        }];
        let mut here = &root_layout;
        for step in PathStep::parse(path)? {
            let frame = frames.last_mut().expect("the root frame");
            let next = match (&step.kind, &here.kind) {
                (StepKind::Field(name), DynKind::Struct(fields)) => {
                    fields.iter().find(|f| f.name == *name).map(|f| {
                        frame.at += f.offset;
                        &f.layout
                    })
                }
                (StepKind::Some, DynKind::Option(inner)) => {
                    // SAFETY: as above.
                    let tag = unsafe { data.block::<u8>(frame.at, 1) };
                    (tag == Some(&[1][..])).then(|| {
                        frame.at += inner.align;
                        &**inner
                    })
                }
                (StepKind::Index(i), DynKind::Array { element, len }) if i < len => {
                    frame.at += i * element.size;
                    Some(&**element)
                }
                (StepKind::Index(i), DynKind::List(element)) => {
                    let list_at = frame.at;
                    let (offset, len) = (read_u64(list_at), read_u64(list_at + 8));
                    match (offset, len) {
                        (Some(offset), Some(len)) if *i < len => {
                            frames.push(Frame {
                                start: offset,
                                len: len * element.size,
                                align: element.align,
                                list_at: Some(list_at),
                                at: offset + i * element.size,
                            });
                            Some(&**element)
                        }
                        _ => None,
                    }
                }
                _ => None,
            };
            here = next.ok_or_else(|| step.missing())?;
        }
        if here != layout {
            return Err(Error::PathType {
                path: path.to_owned(),
                found: here.to_string(),
                given: layout.to_string(),
            });
        }
        Ok(frames)
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
    /// a crash may leave behind.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the new file cannot be written, synced or renamed; the
    /// old file is then still in place and in use.
    pub fn compact(&mut self) -> Result<()> {
        let value = self.to_owned();
        let temp = sibling(&self.path, "compact");
        // Left by a writer that stopped while writing it.
        match std::fs::remove_file(&temp) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(io_error("cannot remove", &temp)(e));
            }
            _ => {}
        }
        let NewFile { file, mut map, mut header } =
            write_new_file(&temp, &value, Access::Shared, self.options)?;
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
    fn data(&self) -> FileRef<'_> {
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

/// A block on the way to the value [`SharedWriter::set`] changes: the root's
/// stored form or a list's block, and where in it the way goes on.
struct Frame {
    start: u64,
    len: u64,
    align: u64,
    /// Where the list's `(offset, len)` lies, in the frame before; `None` for the root.
    list_at: Option<u64>,
    /// Where in this block the path continues (or the value lies, in the last).
    at: u64,
}

/// Writes `value`, then a changed copy of each frame from the innermost
/// out; returns where the new root goes.
fn write_frames<V: Mapped>(
    data: FileRef<'_>,
    frames: &[Frame],
    value: &V,
    w: &mut Writer<'_>,
) -> u64 {
    let raw = value.write(w);
    let mut patch: (u64, Vec<u8>) =
        (frames.last().expect("the root frame").at, bytemuck::bytes_of(&raw).to_vec());
    let mut new_start = 0;
    for frame in frames.iter().rev() {
        // SAFETY: published bytes are never written; `frames` checked them.
        let old = unsafe { data.block::<u8>(frame.start, frame.len) }.unwrap_or_default();
        let mut copy = old.to_vec();
        let at = (patch.0 - frame.start) as usize;
        copy[at..at + patch.1.len()].copy_from_slice(&patch.1);
        new_start = w.alloc(frame.len, frame.align);
        w.put_bytes(new_start, &copy);
        if let Some(list_at) = frame.list_at {
            patch = (list_at, new_start.to_ne_bytes().to_vec());
        }
    }
    new_start
}

/// A file shared with other processes, read by this one: every
/// [`read`](Self::read) sees the latest version a [`SharedWriter`] published,
/// whole and validated.
///
/// Holds a shared lock on the file, so no in-place writer
/// ([`MappedFileMut`]) can change it meanwhile; a shared writer can.
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
    /// [`Error::Locked`] if an in-place writer ([`MappedFileMut`]) holds the
    /// file; as for [`MappedFile::open`](crate::MappedFile::open) otherwise.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        MapOptions::new().open_shared_reader(path)
    }

    pub(crate) fn open_with(path: &Path, options: MapOptions) -> Result<Self> {
        let opened = open_reader(path, options, true, |whole, header| {
            // SAFETY: `open_reader` holds the shared lock and lets us borrow
            // the version's blocks.
            unsafe { check_header::<T>(whole, header, true) }
        })?;
        let Opened { file, map, checked: header } = opened;
        Ok(SharedReader { map, header, path: path.to_owned(), options, file, _type: PhantomData })
    }

    /// The header of the latest version.
    fn load(map: &MmapRaw) -> Result<Header> {
        // SAFETY: we hold the shared lock, as `raw_file` asks.
        load_header(unsafe { raw_file(map, u64::MAX) })
    }

    /// Validates the version `header` names in `map`.
    fn check(map: &MmapRaw, header: Header) -> Result<Header> {
        // SAFETY: we hold the shared lock. The handle covers the whole mapping,
        // but only the version's blocks are borrowed, and only while checked;
        // the writer may be appending past them.
        unsafe { check_header::<T>(raw_file(map, u64::MAX), header, true) }
    }

    /// Moves to the latest published version, if it is not the one views show;
    /// returns whether it moved.
    ///
    /// # Errors
    ///
    /// Any validation error of the new version; [`Error::Io`] if the file, or
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
            match map_shared(&self.file, &self.path, self.options) {
                Ok(map) => self.map = map,
                Err(_) if replaced(&self.file, &self.path) => {
                    *self = Self::open_with(&self.path, self.options)?;
                    return Ok(true);
                }
                Err(e) => return Err(e),
            }
        }
        self.header = Self::check(&self.map, latest)?;
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
        unsafe { view_root::<T>(raw_file(&self.map, self.header.data_len), &self.header) }
    }

    /// The generation of the version last read (see
    /// [`SharedWriter::generation`]); odd if it was read while a writer was
    /// stopped in the middle of switching versions.
    pub fn generation(&self) -> u64 {
        self.header.generation
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

/// Maps a file for reading. Its bytes are accessed only through `raw_file`,
/// which borrows no more than the blocks views resolve.
fn map_shared(file: &File, path: &Path, options: MapOptions) -> Result<MmapRaw> {
    os::map_read_only(&options.mmap_options(), file).map_err(io_error("cannot map", path))
}

/// Opens `<path>.lock` and takes the writer lock on it.
fn take_writer_lock(path: &Path, wait: Wait) -> Result<File> {
    let lock_path = sibling(path, "lock");
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(io_error("cannot create the lock file", &lock_path))?;
    lock(&file, path, Access::Exclusive, wait, "another shared writer holds it")?;
    Ok(file)
}

/// [`FLAG_SUPERSEDED`] in the header word that holds the flags.
fn superseded_bits() -> u64 {
    let mut word = [0u8; 8];
    word[4..].copy_from_slice(&FLAG_SUPERSEDED.to_ne_bytes());
    u64::from_ne_bytes(word)
}
