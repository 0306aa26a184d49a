//! [`ImageMut`] and [`AnyVersionMut`]: changing in place an image or a file
//! of any version of the program — the values it stores as the program
//! does, found by path in its own layout.

use core::fmt;
use core::marker::PhantomData;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use memmap2::MmapMut;

use crate::access::file_ref::{FileMut, FileRef};
use crate::access::mapped::Inline;
use crate::access::mapped::Mapped;
use crate::access::write::Writer;
use crate::dynamic::decode::DynLayout;
use crate::dynamic::resolve::{
    Evolution, Program, read_root_in, resolve_against, same, view_root_in,
};
use crate::dynamic::store::{ValuePath, store};
use crate::dynamic::value::DynValue;
use crate::format::error::{Error, Result};
use crate::format::header::Header;
use crate::storage::bytes::check_any_version;
use crate::storage::file::{OpenedMut, open_exclusive};
use crate::storage::options::{MapOptions, io_error};

/// What a validated image of `T` holds beyond its bytes: its header, the
/// differences resolved if another version of the program wrote it, and
/// its layout of `T` (the file's, from its embedded schema, for another
/// version), where paths are looked up.
struct Checked<T: Mapped> {
    header: Header,
    evolution: Option<Arc<Evolution>>,
    layout: DynLayout,
    _type: PhantomData<fn() -> T>,
}

impl<T: Mapped> Checked<T> {
    fn new((header, evolution): (Header, Option<Arc<Evolution>>)) -> Self {
        let layout = match &evolution {
            Some(evolution) => DynLayout::clone(&evolution.layout),
            None => DynLayout::from_layout(T::LAYOUT),
        };
        Checked { header, evolution, layout, _type: PhantomData }
    }

    /// A view of the root of `data`, the image's bytes in use (the view
    /// follows the differences `self` resolved).
    fn root<'a>(&'a self, data: &'a [u8]) -> T::View<'a> {
        // SAFETY: `data` is borrowed shared for the view's lifetime and was
        // checked for `T` by `check_for`.
        unsafe { view_root_in::<T>(FileRef::new(data), &self.header, self.evolution.as_deref()) }
    }

    /// The root of `data`, copied out.
    fn to_owned(&self, data: &[u8]) -> T {
        // SAFETY: as in `root`.
        unsafe { read_root_in::<T>(FileRef::new(data), &self.header, self.evolution.as_deref()) }
    }

    /// The value at `path` of `data`, the image's bytes in use, named as
    /// this program names its fields.
    fn find<'a>(&'a self, data: &'a [u8], path: &str) -> Result<DynValue<'a>> {
        let root = DynValue {
            layout: &self.layout,
            root: &self.layout,
            file: FileRef::new(data),
            at: self.header.root_offset,
        };
        match root.path_as(path, Some(T::LAYOUT)) {
            Err(Error::NoSuchPath { found, step, .. }) if self.evolution.is_some() => {
                let after =
                    if found.is_empty() { String::new() } else { format!(" after `{found}`") };
                Err(not_in_place(path, format!("the file has no `{step}`{after}")))
            }
            found => found,
        }
    }

    /// The in-place view of the value at `path` of `data`, the image's bytes
    /// in use, if it is stored there as this program stores a `V`.
    fn get_mut<'a, V: Mapped>(&self, data: &'a mut [u8], path: &str) -> Result<V::ViewMut<'a>> {
        let wanted = DynLayout::from_layout(V::LAYOUT);
        let found = self.find(data, path)?;
        if !same(found.layout(), &wanted) {
            let (found, given) = (found.layout().to_string(), wanted.to_string());
            return Err(if self.evolution.is_some() {
                let problem = if found == given {
                    format!("the file stores `{found}` there as another version of it")
                } else {
                    format!("the file stores `{found}` there, not `{given}`")
                };
                not_in_place(path, problem)
            } else {
                Error::PathType { path: path.to_owned(), found, given }
            });
        }
        let at = found.offset();
        let file = FileMut::new(data);
        // SAFETY: the image was validated (by `T`, or by its embedded schema,
        // whose layout `self.layout` is) with every block proven disjoint from
        // the others and from the root, and `data` is borrowed exclusively for
        // `'a`. The value at `at` lies inside one block (or the root), stored
        // as the program stores `V` (`same` layouts, so validation checked
        // what `V`'s would), and everything it reaches lies in other blocks:
        // its `&mut` and what `view_mut` resolves through the file handle are
        // disjoint.
        unsafe {
            let raw = file.alias().block_mut::<V::Raw>(at, 1);
            // Not reached: validation placed every value in bounds and aligned.
            let raw =
                raw.ok_or_else(|| not_in_place(path, format!("no value lies at offset {at}")))?;
            Ok(V::view_mut(&mut raw[0], file))
        }
    }

    /// Stores `value` at `path` of `data`, the image's bytes in use, where
    /// the image keeps a value of `V`'s type, as this program does or as
    /// another version of it does.
    fn set<V: Inline>(&self, data: &mut [u8], path: &str, value: &V) -> Result<()> {
        let wanted = DynLayout::from_layout(V::LAYOUT);
        let program = Program { layout: &wanted, rust: Some(V::LAYOUT) };
        let found = self.find(data, path)?;
        let (layout, start) = (found.layout(), found.offset());
        if !same(layout, &wanted) {
            let (found, given) = (layout.to_string(), wanted.to_string());
            if self.evolution.is_none() {
                return Err(Error::PathType { path: path.to_owned(), found, given });
            }
            if let Err(reasons) = resolve_against(layout, program) {
                let reasons = reasons.join("; ");
                let problem = format!(
                    "the file stores `{found}` there, not a version of `{given}`: {reasons}"
                );
                return Err(not_in_place(path, problem));
            }
        }
        let place = usize::try_from(start).ok().and_then(|start| {
            let end = start.checked_add(usize::try_from(layout.size).ok()?)?;
            Some(start..end)
        });
        let outside = || not_in_place(path, format!("no value lies at offset {start}"));
        let place = place.filter(|place| place.end <= data.len()).ok_or_else(outside)?;
        let raw = value.write(&mut Writer::inline());
        let mut stored = data[place.clone()].to_vec();
        store(
            program,
            bytemuck::bytes_of(&raw),
            layout,
            &mut stored,
            false,
            &mut ValuePath::new(path),
        )
        .map_err(|problem| not_in_place(path, problem))?;
        // Only now: a value refused changes nothing.
        data[place].copy_from_slice(&stored);
        Ok(())
    }
}

/// [`Error::NotInPlace`] for `path`.
fn not_in_place(path: &str, problem: String) -> Error {
    Error::NotInPlace { path: path.to_owned(), problem }
}

/// A validated file image in memory, of any version of `T` this program can
/// read, whose values can be changed in place where the image stores them
/// as this program does ([`get_mut`](Self::get_mut)), or can hold them
/// ([`set`](Self::set)): what [`Image`](crate::Image) is for reading, and
/// [`from_bytes_mut`](crate::from_bytes_mut) for an image of this
/// program's own layout.
///
/// # Example
///
/// ```
/// use mmf_runtime::ImageMut;
///
/// mod v1 {
///     #[derive(mmf_derive::Mapped)]
///     #[mmf(crate = "mmf_runtime")]
///     pub struct Summit { pub name: String, pub height: u16, pub climbed: bool }
/// }
/// #[derive(mmf_derive::Mapped, Debug, PartialEq)]
/// #[mmf(crate = "mmf_runtime")]
/// struct Summit { name: String, height: u32, climbed: bool, first_ascent: u16 }
///
/// let old = v1::Summit { name: "Eiger".into(), height: 3967, climbed: false };
/// let mut bytes = mmf_runtime::to_bytes(&old);
/// let mut image = ImageMut::<Summit>::new(&mut bytes)?;
/// assert!(image.is_other_version());
/// image.get_mut::<bool>("climbed")?.set(true); // stored as this program does
/// *image.get_mut::<u16>("height")? = 3970; // the file's height is a `u16`
/// assert!(image.get_mut::<u32>("height").is_err()); // no room for a `u32`
/// assert!(image.get_mut::<u16>("first_ascent").is_err()); // not in the file
/// let summit = image.to_owned();
/// assert_eq!((summit.height, summit.climbed, summit.first_ascent), (3970, true, 0));
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub struct ImageMut<'a, T: Mapped> {
    bytes: &'a mut [u8],
    checked: Checked<T>,
}

impl<'a, T: Mapped> ImageMut<'a, T> {
    /// Validates `bytes` as a file image of `T`, or of another version of
    /// `T` that this program can read, proving that no two blocks overlap.
    ///
    /// # Errors
    ///
    /// As for [`Image::new`](crate::Image::new).
    pub fn new(bytes: &'a mut [u8]) -> Result<Self> {
        let checked = Checked::new(check_any_version::<T>(bytes, true)?);
        let bytes = &mut bytes[..checked.header.data_len as usize];
        Ok(ImageMut { bytes, checked })
    }

    /// A view of the root.
    pub fn root(&self) -> T::View<'_> {
        self.checked.root(self.bytes)
    }

    /// Copies the root out of the image.
    pub fn to_owned(&self) -> T {
        self.checked.to_owned(self.bytes)
    }

    /// The in-place view of the value at `path` — written as for
    /// [`DynValue::path`](crate::DynValue::path): `hikes[3].gps_track[0]`; a
    /// box is followed — if the image stores a `V` there as this program
    /// does. Fields are named as this program names them (a field renamed
    /// since the image was written, by either program, is found by its
    /// `renamed_from` names); a field this program does not have there, by
    /// the image's name for it.
    ///
    /// # Errors
    ///
    /// For an image of another version: [`Error::NotInPlace`] if it has no
    /// value at `path` or stores it otherwise than as a `V` (a field added,
    /// removed or widened since, inside it). For an image of this program's
    /// layout: [`Error::NoSuchPath`] and [`Error::PathType`].
    pub fn get_mut<V: Mapped>(&mut self, path: &str) -> Result<V::ViewMut<'_>> {
        self.checked.get_mut::<V>(self.bytes, path)
    }

    /// Replaces the value at `path` (named as for [`get_mut`](Self::get_mut))
    /// by `value`, of the type this program has there, stored inline (no
    /// strings or lists inside) — also where the image stores that type as
    /// another version of it does: fields by name, a number in the image's
    /// narrower type if it holds it, a variant by name. What the image has
    /// and this program does not (a field removed since) is kept.
    ///
    /// # Errors
    ///
    /// For an image of another version, [`Error::NotInPlace`], and nothing
    /// changes, if the image cannot hold `value` as it is: a number its type
    /// does not hold, a variant it lacks, a field it lacks whose value is
    /// not the default a file without it reads, or not a version of `V`'s
    /// type there. For an image of this program's layout: as for
    /// [`get_mut`](Self::get_mut).
    ///
    /// # Example
    ///
    /// ```
    /// use mmf_runtime::ImageMut;
    ///
    /// mod v1 {
    ///     #[derive(mmf_derive::Mapped)]
    ///     #[mmf(crate = "mmf_runtime")]
    ///     pub struct Coord { pub x: f32, pub y: f32 }
    ///     #[derive(mmf_derive::Mapped)]
    ///     #[mmf(crate = "mmf_runtime")]
    ///     pub struct Hut { pub name: String, pub beds: u16, pub at: Coord }
    /// }
    /// #[derive(mmf_derive::Mapped, Debug, PartialEq)]
    /// #[mmf(crate = "mmf_runtime")]
    /// struct Coord { x: f64, y: f64, z: f64 }
    /// #[derive(mmf_derive::Mapped, Debug, PartialEq)]
    /// #[mmf(crate = "mmf_runtime")]
    /// struct Hut { name: String, beds: u32, at: Coord }
    ///
    /// let old = v1::Hut { name: "Hörnli".into(), beds: 130, at: v1::Coord { x: 7.6, y: 46.0 } };
    /// let mut bytes = mmf_runtime::to_bytes(&old);
    /// let mut image = ImageMut::<Hut>::new(&mut bytes)?;
    /// image.set("beds", &140u32)?; // the file's `u16` holds 140
    /// assert!(image.set("beds", &70_000u32).is_err()); // but not 70 000
    /// image.set("at", &Coord { x: 7.5, y: 46.25, z: 0.0 })?; // `z` as a file without it reads
    /// assert!(image.set("at", &Coord { x: 7.5, y: 46.25, z: 3260.0 }).is_err());
    /// assert_eq!(image.to_owned().at, Coord { x: 7.5, y: 46.25, z: 0.0 });
    /// assert_eq!(image.to_owned().beds, 140);
    /// # Ok::<(), mmf_runtime::Error>(())
    /// ```
    pub fn set<V: Inline>(&mut self, path: &str, value: &V) -> Result<()> {
        self.checked.set(self.bytes, path, value)
    }

    /// Whether the image stores `T` as another version of the program does.
    pub fn is_other_version(&self) -> bool {
        self.checked.evolution.is_some()
    }

    /// The image's header.
    pub fn header(&self) -> &Header {
        &self.checked.header
    }
}

/// A file of any version of `T` this program can read, mapped read-write:
/// read through `T`'s views as a [`MappedFile`](crate::MappedFile), and
/// changed in place where the file stores a value as this program does
/// ([`get_mut`](Self::get_mut)) or can hold an inline one
/// ([`set`](Self::set)). For a file written by another version of
/// the program, whose layout [`MappedFileMut`](crate::MappedFileMut)
/// refuses: what it stores as both versions do can still be changed
/// without rewriting it. It holds an exclusive lock, as `MappedFileMut`.
///
/// # Example
///
/// ```
/// use mmf_runtime::{AnyVersionMut, MappedFile, MappedFileMut};
///
/// mod v1 {
///     #[derive(mmf_derive::Mapped)]
///     #[mmf(crate = "mmf_runtime")]
///     pub struct Hut { pub name: String, pub beds: u16 }
/// }
/// #[derive(mmf_derive::Mapped)]
/// #[mmf(crate = "mmf_runtime")]
/// struct Hut { name: String, beds: u16, open: bool }
///
/// # let tmp = tempfile::tempdir().unwrap();
/// # let path = tmp.path().join("huts.mmf");
/// drop(MappedFileMut::create(&path, &vec![v1::Hut { name: "Blüemlisalp".into(), beds: 138 }])?);
/// // `MappedFileMut` refuses the older layout; this changes what both share.
/// assert!(MappedFileMut::<Vec<Hut>>::open(&path).is_err());
/// let mut file = AnyVersionMut::<Vec<Hut>>::open(&path)?;
/// *file.get_mut::<u16>("[0].beds")? = 140;
/// assert!(file.get_mut::<bool>("[0].open").is_err()); // the file lacks it
/// file.flush()?;
/// drop(file);
/// assert_eq!(MappedFile::<Vec<v1::Hut>>::open(&path)?.root().get(0).unwrap().beds(), 140);
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub struct AnyVersionMut<T: Mapped> {
    map: MmapMut,
    checked: Checked<T>,
    path: PathBuf,
    // Holds the exclusive lock; declared after `map`, so it is unmapped first.
    _file: File,
}

impl<T: Mapped> AnyVersionMut<T> {
    /// Maps the file at `path` read-write and validates it for `T`, or for
    /// the version of `T` it stores, as [`MappedFile::open`](crate::MappedFile::open)
    /// does, also proving that no two blocks overlap.
    ///
    /// # Errors
    ///
    /// [`Error::Locked`] if another process reads or writes the file; as
    /// for `MappedFile::open` otherwise.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path.as_ref(), MapOptions::new())
    }

    /// Like [`open`](Self::open), but waits while others hold the file.
    ///
    /// # Errors
    ///
    /// As for [`open`](Self::open), except [`Error::Locked`].
    pub fn open_blocking(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path.as_ref(), MapOptions::new().wait(true))
    }

    fn open_with(path: &Path, options: MapOptions) -> Result<Self> {
        let OpenedMut { file, map, checked } = open_exclusive::<T>(path, options)?;
        let checked = Checked::new(checked);
        Ok(AnyVersionMut { map, checked, path: path.to_owned(), _file: file })
    }

    fn data(&self) -> &[u8] {
        &self.map[..self.checked.header.data_len as usize]
    }

    /// A view of the root object.
    pub fn root(&self) -> T::View<'_> {
        self.checked.root(self.data())
    }

    /// Copies the root object out of the file.
    pub fn to_owned(&self) -> T {
        self.checked.to_owned(self.data())
    }

    /// The in-place view of the value at `path`, if the file stores a `V`
    /// there as this program does; see [`ImageMut::get_mut`].
    ///
    /// # Errors
    ///
    /// As for [`ImageMut::get_mut`].
    pub fn get_mut<V: Mapped>(&mut self, path: &str) -> Result<V::ViewMut<'_>> {
        let len = self.checked.header.data_len as usize;
        self.checked.get_mut::<V>(&mut self.map[..len], path)
    }

    /// Replaces the value at `path` by `value`, also where the file stores
    /// its type as another version of it does; see [`ImageMut::set`].
    ///
    /// # Errors
    ///
    /// As for [`ImageMut::set`].
    pub fn set<V: Inline>(&mut self, path: &str, value: &V) -> Result<()> {
        let len = self.checked.header.data_len as usize;
        self.checked.set(&mut self.map[..len], path, value)
    }

    /// Whether the file stores `T` as another version of the program does.
    pub fn is_other_version(&self) -> bool {
        self.checked.evolution.is_some()
    }

    /// Writes changed pages back to the file and waits until the OS has
    /// stored them (`msync`).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the OS reports a failure.
    pub fn flush(&self) -> Result<()> {
        self.map.flush().map_err(io_error("cannot flush", &self.path))
    }

    /// The file's header.
    pub fn header(&self) -> &Header {
        &self.checked.header
    }

    /// The path the file was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl<T: Mapped> fmt::Debug for AnyVersionMut<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnyVersionMut")
            .field("path", &self.path)
            .field("type", &T::LAYOUT.name)
            .field("other_version", &self.is_other_version())
            .finish_non_exhaustive()
    }
}
