//! [`DynImage`] and [`DynFile`]: a file image in memory or a mapped file,
//! validated and read by its embedded schema.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use memmap2::MmapRaw;

use crate::access::file_ref::FileRef;
use crate::dynamic::convert::convert;
use crate::dynamic::decode::DynLayout;
use crate::dynamic::validate::check_dyn;
use crate::dynamic::value::DynValue;
use crate::format::error::Result;
use crate::format::header::Header;
use crate::storage::map::raw_file;
use crate::storage::open::{Opened, TempPath, open_reader};
use crate::storage::options::{MapOptions, Wait, io_error};

/// A file image in memory read by its embedded schema, validated.
///
/// # Example
///
/// ```
/// let bytes = mmf_runtime::to_bytes(&vec![String::from("Rigi")]);
/// let image = mmf_runtime::DynImage::new(&bytes)?;
/// assert_eq!(image.layout().to_string(), "Vec<String>");
/// assert_eq!(image.root().get(0).and_then(|s| s.as_str()), Some("Rigi"));
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub struct DynImage<'a> {
    bytes: &'a [u8],
    header: Header,
    layout: DynLayout,
}

impl<'a> DynImage<'a> {
    /// Validates `bytes` by the schema they carry.
    ///
    /// # Errors
    ///
    /// Header problems, [`Error::NoSchema`](crate::Error::NoSchema), [`Error::SchemaUnreadable`](crate::Error::SchemaUnreadable), and
    /// every problem a typed [`from_bytes`](crate::from_bytes) reports.
    pub fn new(bytes: &'a [u8]) -> Result<Self> {
        let header = Header::read(bytes)?;
        // SAFETY: `bytes` is borrowed shared for `'a`.
        let (header, layout) = unsafe { check_dyn(FileRef::new(bytes), header) }?;
        Ok(DynImage { bytes, header, layout })
    }

    /// The root value.
    pub fn root(&self) -> DynValue<'_> {
        let file = FileRef::new(&self.bytes[..self.header.data_len as usize]);
        DynValue { layout: &self.layout, root: &self.layout, file, at: self.header.root_offset }
    }

    /// The root's layout, from the embedded schema.
    pub fn layout(&self) -> &DynLayout {
        &self.layout
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// This image rewritten in the layout of `schema` (an embedded schema,
    /// as `mmf schema --binary FILE` saves it), with `schema` embedded;
    /// `None` if the image already has that layout. Fields the image lacks
    /// take the defaults the schema's notes hold, fields the schema lacks
    /// are left out: what [`upgrade`](crate::upgrade) does for the program
    /// whose schema it is, byte for byte, without that program's types.
    ///
    /// # Errors
    ///
    /// [`Error::CannotConvert`](crate::Error::CannotConvert), by field path,
    /// if the schema cannot hold the image's values (see the README's
    /// "Changing your types"); [`Error::SchemaUnreadable`](crate::Error::SchemaUnreadable)
    /// if `schema` cannot be read.
    ///
    /// # Example
    ///
    /// ```
    /// use mmf_runtime::{DynImage, Mapped, ScalarValue, schema};
    ///
    /// let old = mmf_runtime::to_bytes(&vec![7u16, 8]);
    /// let newer = schema::encode(<Vec<u16> as Mapped>::LAYOUT);
    /// assert!(DynImage::new(&old)?.upgraded(&newer)?.is_none(), "already that layout");
    ///
    /// // A list's numbers cannot widen: the file is left as it is.
    /// let wider = schema::encode(<Vec<u32> as Mapped>::LAYOUT);
    /// assert!(DynImage::new(&old)?.upgraded(&wider).is_err());
    /// # Ok::<(), mmf_runtime::Error>(())
    /// ```
    pub fn upgraded(&self, schema: &[u8]) -> Result<Option<Vec<u8>>> {
        let data = FileRef::new(&self.bytes[..self.header.data_len as usize]);
        // SAFETY: `self.bytes` is borrowed shared.
        unsafe { convert(data, &self.header, schema) }
    }
}

/// Rewrites the file at `path` in the layout of `schema` (an embedded
/// schema, as `mmf schema --binary FILE` saves it), as
/// [`DynImage::upgraded`] says, and replaces the file atomically: the new
/// image goes to a temporary file beside it, renamed over it. Returns
/// whether it rewrote the file (not if it already has that layout). What
/// `mmf upgrade FILE --to SCHEMA` does.
///
/// # Errors
///
/// As for [`DynFile::open`] and [`DynImage::upgraded`] (the file is then
/// left as it is); [`Error::Locked`](crate::Error::Locked) if another
/// process holds the file when it is replaced.
///
/// # Example
///
/// ```
/// # let tmp = tempfile::tempdir().unwrap();
/// # let path = tmp.path().join("trips.mmf");
/// use mmf_runtime::{Mapped, MappedFile, MappedFileMut};
///
/// #[derive(mmf_derive::Mapped)]
/// #[mmf(crate = "mmf_runtime")]
/// struct Trip {
///     name: String,
/// }
///
/// mod newer {
///     #[derive(mmf_derive::Mapped)]
///     #[mmf(crate = "mmf_runtime")]
///     pub struct Trip {
///         pub name: String,
///         #[mmf(default = 2)]
///         pub people: u32,
///     }
/// }
///
/// drop(MappedFileMut::create(&path, &Trip { name: "Rigi".into() })?);
/// // The newer program's schema, saved (`mmf schema --binary`) or made:
/// let schema = mmf_runtime::schema::encode(newer::Trip::LAYOUT);
/// assert!(mmf_runtime::upgrade_to_schema(&path, &schema)?);
/// let file = MappedFile::<newer::Trip>::open(&path)?;
/// assert!(!file.is_other_version());
/// assert_eq!((file.root().name(), file.root().people()), ("Rigi", 2));
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub fn upgrade_to_schema(path: impl AsRef<Path>, schema: &[u8]) -> Result<bool> {
    let path = path.as_ref();
    let opened = open_reader(path, MapOptions::new(), false, |whole, header| {
        header.check_data_len(whole.len())?;
        // SAFETY: `open_reader` holds the shared lock and lets us borrow
        // the version's blocks.
        unsafe { convert(whole.prefix(header.data_len), &header, schema) }
    })?;
    let Opened { file, map, checked } = opened;
    drop((map, file));
    let Some(image) = checked else { return Ok(false) };
    let temp = TempPath::beside(path);
    let mut new = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temp.path())
        .map_err(io_error("cannot create", temp.path()))?;
    new.write_all(&image).map_err(io_error("cannot write", temp.path()))?;
    drop(new);
    temp.install(path, Wait::No)?;
    Ok(true)
}

/// A file mapped read-only and read by its embedded schema, without its Rust
/// type: validated at open as [`MappedFile::open`](crate::MappedFile::open)
/// validates, and holding the same shared lock.
///
/// # Example
///
/// ```
/// use mmf_runtime::{DynFile, MappedFileMut, ScalarValue};
///
/// # let tmp = tempfile::tempdir().unwrap();
/// # let dir = tmp.path();
/// let path = dir.join("levels.mmf");
/// drop(MappedFileMut::create(&path, &vec![Some(3u8), None])?);
/// let file = DynFile::open(&path)?; // no Rust type needed
/// assert_eq!(file.layout().to_string(), "Vec<Option<u8>>");
/// assert_eq!(file.root().path("[0]?")?.scalar(), Some(ScalarValue::U8(3)));
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub struct DynFile {
    map: MmapRaw,
    header: Header,
    layout: DynLayout,
    path: PathBuf,
    _file: File,
}

impl DynFile {
    /// Maps `path` and validates it by its embedded schema.
    ///
    /// # Errors
    ///
    /// As for [`DynImage::new`], and [`Error::Locked`](crate::Error::Locked) or [`Error::Io`](crate::Error::Io) as
    /// [`MappedFile::open`](crate::MappedFile::open) reports them.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let opened = open_reader(path, MapOptions::new(), false, |whole, header| {
            // SAFETY: `open_reader` holds the shared lock and lets us borrow
            // the version's blocks.
            unsafe { check_dyn(whole, header) }
        })?;
        let Opened { file, map, checked: (header, layout) } = opened;
        Ok(DynFile { map, header, layout, path: path.to_owned(), _file: file })
    }

    /// The root value.
    pub fn root(&self) -> DynValue<'_> {
        // SAFETY: we hold the shared lock for the life of the mapping.
        let file = unsafe { raw_file(&self.map, self.header.data_len) };
        DynValue { layout: &self.layout, root: &self.layout, file, at: self.header.root_offset }
    }

    /// The root's layout, from the embedded schema.
    pub fn layout(&self) -> &DynLayout {
        &self.layout
    }

    /// The header read at open.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The file's length in bytes, as mapped.
    pub fn file_len(&self) -> u64 {
        self.map.len() as u64
    }

    /// The path the file was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl fmt::Debug for DynFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynFile")
            .field("path", &self.path)
            .field("type", &self.layout.to_string())
            .finish_non_exhaustive()
    }
}
