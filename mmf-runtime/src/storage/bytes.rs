//! The in-memory path: the same bytes as a file, in an aligned buffer.

use core::fmt;
use core::ops::{Deref, DerefMut};

use bytemuck::{Pod, Zeroable};

use crate::access::file_ref::{FileMut, FileRef};
use crate::access::mapped::Mapped;
use std::sync::Arc;

use crate::access::validate::view_root;
use crate::access::write::{plan, write_image};
use crate::dynamic::resolve::{Evolution, check_for, read_root_in, view_root_in};
use crate::format::error::{Error, Result};
use crate::format::header::Header;

/// The alignment of an [`AlignedBytes`] buffer: enough for every stored type.
pub const BUFFER_ALIGN: usize = crate::format::layout::MAX_ALIGN;

#[repr(C, align(16))]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Chunk([u8; BUFFER_ALIGN]);

/// A byte buffer aligned to 16 bytes, as views of stored forms need: the
/// result of [`to_bytes`], and the place to copy bytes read from elsewhere
/// before [`from_bytes`].
///
/// # Example
///
/// ```
/// use mmf_runtime::AlignedBytes;
///
/// let bytes = mmf_runtime::to_bytes(&vec![7u32; 3]);
/// let copy = AlignedBytes::from_slice(&bytes);
/// assert_eq!(&copy[..], &bytes[..]);
/// assert_eq!(copy.as_ptr() as usize % 16, 0);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AlignedBytes {
    chunks: Vec<Chunk>,
    len: usize,
}

impl PartialEq for Chunk {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for Chunk {}

impl AlignedBytes {
    /// `len` zero bytes.
    pub fn zeroed(len: usize) -> Self {
        AlignedBytes { chunks: vec![Chunk([0; BUFFER_ALIGN]); len.div_ceil(BUFFER_ALIGN)], len }
    }

    /// A copy of `bytes`.
    pub fn from_slice(bytes: &[u8]) -> Self {
        let mut out = AlignedBytes::zeroed(bytes.len());
        out.copy_from_slice(bytes);
        out
    }
}

impl Deref for AlignedBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &bytemuck::cast_slice(&self.chunks)[..self.len]
    }
}

impl DerefMut for AlignedBytes {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut bytemuck::cast_slice_mut(&mut self.chunks)[..self.len]
    }
}

impl AsRef<[u8]> for AlignedBytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl fmt::Debug for AlignedBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AlignedBytes({} bytes)", self.len)
    }
}

/// Encodes `value` into the exact bytes [`MappedFileMut::create`](crate::MappedFileMut::create)
/// would write to a file.
///
/// The same value always gives the same bytes: blocks go depth first in field
/// order, and every padding byte is zero.
///
/// # Panics
///
/// If the value needs more bytes than this machine can address (see
/// [`Error::TooLarge`]); it could not be in memory in the first place.
///
/// # Example
///
/// ```
/// let bytes = mmf_runtime::to_bytes(&String::from("Säntis"));
/// assert_eq!(mmf_runtime::from_bytes::<String>(&bytes)?, "Säntis");
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub fn to_bytes<T: Mapped>(value: &T) -> AlignedBytes {
    let plan = match plan(value) {
        Ok(plan) => plan,
        Err(e) => panic!("{e}"),
    };
    let mut out = AlignedBytes::zeroed(plan.len);
    write_image(value, &plan, &mut out);
    out
}

/// Checks that `bytes` is aligned for `T`, then its header and, if asked, its
/// graph; an image stored as another version of the program does is
/// resolved (and its graph always validated).
pub(crate) fn check_any_version<T: Mapped>(
    bytes: &[u8],
    graph: bool,
) -> Result<(Header, Option<Arc<Evolution>>)> {
    let align = const { T::LAYOUT.max_align() };
    if !(bytes.as_ptr() as usize).is_multiple_of(align) {
        return Err(Error::MisalignedBuffer { address: bytes.as_ptr() as usize, align });
    }
    // SAFETY: `bytes` is borrowed shared, so nothing writes it meanwhile.
    unsafe { check_for::<T>(FileRef::new(bytes), Header::read(bytes)?, graph) }
}

/// [`check_any_version`], for functions that view images stored exactly as
/// the program does.
fn check_buffer<T: Mapped>(bytes: &[u8], graph: bool, remedy: &'static str) -> Result<Header> {
    match check_any_version::<T>(bytes, graph)? {
        (header, None) => Ok(header),
        (_, Some(evolution)) => Err(Error::OtherVersion {
            type_name: T::LAYOUT.name,
            differences: evolution.differences.clone(),
            remedy,
        }),
    }
}

/// Why an image or file of another version cannot be changed in place.
pub(crate) const CANNOT_CHANGE: &str = "this program can read it (`MappedFile`, `SharedReader`, `Image`) and change in place what it stores as this program does, or can hold (`AnyVersionMut`, `ImageMut`: `get_mut`, `set`); to change the rest, rewrite it in this program's layout first, with `mmf::upgrade` (or `mmf upgrade FILE --to SCHEMA`)";

/// What to use instead of `from_bytes` for an image of another version.
const USE_IMAGE: &str = "`from_bytes` views only images stored as this program does: open it with `Image::new`, which keeps what it resolved for its views";

/// A validated file image in memory, of any version of `T` this program can
/// read: what [`from_bytes`] is for an image written by another version of
/// the program, whose differences are resolved once, here, and followed by
/// the views.
///
/// # Example
///
/// ```
/// use mmf_runtime::Image;
///
/// let bytes = mmf_runtime::to_bytes(&vec![1u16, 2]);
/// let image = Image::<Vec<u16>>::new(&bytes)?;
/// assert_eq!(image.root().get(1), Some(2));
/// assert!(!image.is_other_version());
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub struct Image<'a, T: Mapped> {
    bytes: &'a [u8],
    header: Header,
    evolution: Option<Arc<Evolution>>,
    _type: core::marker::PhantomData<fn() -> T>,
}

impl<'a, T: Mapped> Image<'a, T> {
    /// Validates `bytes` as a file image of `T`, or of another version of
    /// `T` that this program can read.
    ///
    /// # Errors
    ///
    /// As for [`from_bytes`], except that an image of another version is
    /// refused only if this program cannot read it.
    pub fn new(bytes: &'a [u8]) -> Result<Self> {
        let (header, evolution) = check_any_version::<T>(bytes, true)?;
        let bytes = &bytes[..header.data_len as usize];
        Ok(Image { bytes, header, evolution, _type: core::marker::PhantomData })
    }

    /// A view of the root.
    pub fn root(&self) -> T::View<'_> {
        // SAFETY: `bytes` is borrowed shared for the view's lifetime, and was
        // checked for `T` by `check_for`.
        unsafe {
            view_root_in::<T>(FileRef::new(self.bytes), &self.header, self.evolution.as_deref())
        }
    }

    /// Copies the root out of the image.
    pub fn to_owned(&self) -> T {
        // SAFETY: as in `root`.
        unsafe {
            read_root_in::<T>(FileRef::new(self.bytes), &self.header, self.evolution.as_deref())
        }
    }

    /// Whether the image stores `T` as another version of the program does.
    pub fn is_other_version(&self) -> bool {
        self.evolution.is_some()
    }

    /// The image's header.
    pub fn header(&self) -> &Header {
        &self.header
    }
}

/// Validates `bytes` as a file image of `T` and returns a view of its root.
///
/// # Errors
///
/// Every problem [`MappedFile::open`](crate::MappedFile::open) reports, and
/// [`Error::MisalignedBuffer`] if `bytes` does not start at a multiple of the
/// alignment `T`'s stored forms need (copy it into an [`AlignedBytes`]).
///
/// # Example
///
/// ```
/// let bytes = mmf_runtime::to_bytes(&vec![Some(1u8), None]);
/// let list = mmf_runtime::from_bytes::<Vec<Option<u8>>>(&bytes)?;
/// assert_eq!(list.iter().collect::<Vec<_>>(), [Some(1), None]);
/// assert!(mmf_runtime::from_bytes::<Vec<u8>>(&bytes).is_err()); // another type
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub fn from_bytes<T: Mapped>(bytes: &[u8]) -> Result<T::View<'_>> {
    let header = check_buffer::<T>(bytes, true, USE_IMAGE)?;
    // SAFETY: `bytes` is borrowed shared for the view's lifetime.
    Ok(unsafe { view_root::<T>(FileRef::new(&bytes[..header.data_len as usize]), &header) })
}

/// Validates `bytes` as a file image of `T` and copies the value out of it:
/// what [`from_bytes`] followed by the view's `to_owned()` does, for generic code.
///
/// # Errors
///
/// As for [`from_bytes`].
///
/// # Example
///
/// ```
/// let bytes = mmf_runtime::to_bytes(&vec![String::from("Napf")]);
/// assert_eq!(mmf_runtime::from_bytes_owned::<Vec<String>>(&bytes)?, ["Napf"]);
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub fn from_bytes_owned<T: Mapped>(bytes: &[u8]) -> Result<T> {
    Ok(Image::<T>::new(bytes)?.to_owned())
}

/// Like [`from_bytes`], without validating the object graph: only the header
/// is checked.
///
/// # Safety
///
/// `bytes` must be a file image that [`from_bytes`] accepts for `T`, such as
/// the output of [`to_bytes`]. (Views still check every block's bounds, but
/// values read from an invalid image are unspecified.)
///
/// # Errors
///
/// Header problems, as [`from_bytes`] reports them.
pub unsafe fn from_bytes_unchecked<T: Mapped>(bytes: &[u8]) -> Result<T::View<'_>> {
    let header = check_buffer::<T>(bytes, false, USE_IMAGE)?;
    // SAFETY: `bytes` is borrowed shared for the view's lifetime.
    Ok(unsafe { view_root::<T>(FileRef::new(&bytes[..header.data_len as usize]), &header) })
}

/// Validates `bytes` as a file image of `T` and returns an in-place view of its
/// root: fixed-size fields can be changed through it.
///
/// # Errors
///
/// As for [`from_bytes`]; it also proves that no two blocks overlap.
///
/// # Example
///
/// ```
/// let mut bytes = mmf_runtime::to_bytes(&vec![vec![1u32, 2]]);
/// let mut lists = mmf_runtime::from_bytes_mut::<Vec<Vec<u32>>>(&mut bytes)?;
/// lists.get_mut(0).unwrap().as_mut_slice()[1] = 5;
/// assert_eq!(mmf_runtime::from_bytes::<Vec<Vec<u32>>>(&bytes)?.get(0).unwrap().as_slice(), &[1, 5]);
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub fn from_bytes_mut<T: Mapped>(bytes: &mut [u8]) -> Result<T::ViewMut<'_>> {
    let header = check_buffer::<T>(bytes, true, CANNOT_CHANGE)?;
    let data = &mut bytes[..header.data_len as usize];
    // SAFETY: validation proved that the root and all blocks are disjoint, and
    // `bytes` is borrowed exclusively for the view's lifetime.
    Ok(unsafe { root_mut::<T>(FileMut::new(data), &header) })
}

/// The in-place view of the root of a validated image.
///
/// # Safety
///
/// The image must have passed `validate::<T>` (so the root is in bounds and
/// aligned, and it and every block are disjoint) and `file` must give exclusive
/// access to it.
pub(crate) unsafe fn root_mut<'a, T: Mapped>(file: FileMut<'a>, header: &Header) -> T::ViewMut<'a> {
    // SAFETY: validation checked the root's bounds and alignment; it is a block
    // of one element, disjoint from all others, so the root's `&mut` and the
    // file handle reach disjoint bytes.
    unsafe {
        let root = file.alias().block_mut::<T::Raw>(header.root_offset, 1).expect("validated root");
        T::view_mut(&mut root[0], file)
    }
}
