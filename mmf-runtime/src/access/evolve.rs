//! Reading a file whose layout of a type differs from the program's (schema
//! evolution): the differences are resolved once per open into an
//! [`Evolved`] tree, and views of such types follow it — a field at another
//! offset, a field the file lacks read as its default, list elements a
//! different size apart, a number stored narrower. Where a file's layout is
//! the program's, nothing here is used: views take their usual path.

use core::ptr::NonNull;

use crate::access::file_ref::FileRef;
use crate::access::mapped::{Frozen, Mapped};
use crate::access::write::Writer;
use crate::format::layout::{DefaultImage, Scalar};

/// How a file stores a value of one of the program's types whose layout
/// differs there: made by resolving the file's schema against the program's
/// layouts when the file is opened (`MappedFile::open`, [`crate::Image`],
/// `SharedReader`), used by views of the value.
#[doc(hidden)]
#[derive(Debug)]
pub struct Evolved {
    /// The size of the file's stored form: how far apart list elements are.
    pub(crate) size: usize,
    /// The alignment of the file's stored form.
    pub(crate) align: usize,
    /// For a struct, per field of the program's, in the program's order:
    /// where the file holds it ([`Entry`]). The one lookup a field read takes.
    entries: Box<[Entry]>,
    pub(crate) shape: Shape,
}

/// In [`Evolved::entries`]: where the file holds one of the program's fields.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Its offset in the file's struct if the file stores it there as the
    /// program does, else [`NOT_DIRECT`]: the common case, tested first.
    direct: usize,
    /// Its offset and how it is stored if the file stores it otherwise than
    /// the program (its node of `shape`, read without matching it); `None`
    /// if it is direct or missing.
    changed: Option<Changed>,
}

/// In [`Entry::changed`]: a field at `offset` stored as `how` says.
#[derive(Debug, Clone, Copy)]
struct Changed {
    offset: usize,
    /// The node of the field's [`Source::At`] link: it lives as long as the
    /// struct's `Evolved` (a node the link owns, or — for a link back — the
    /// node of a type around it).
    how: NonNull<Evolved>,
}

// SAFETY: as for `Link`: its node is only read once resolving has finished.
unsafe impl Send for Changed {}
// SAFETY: as above.
unsafe impl Sync for Changed {}

impl Changed {
    /// Where and how `source` holds a field stored otherwise.
    fn of(source: &Source) -> Option<Changed> {
        match source {
            Source::At { offset, value: Some(how) } => {
                Some(Changed { offset: *offset, how: how.node })
            }
            _ => None,
        }
    }
}

/// In [`Entry::direct`]: the field is missing or stored otherwise.
const NOT_DIRECT: usize = usize::MAX;

/// What differs, by kind of type.
#[derive(Debug)]
pub(crate) enum Shape {
    /// A struct: where the file holds each of the program's fields, in the
    /// program's order.
    Struct(Box<[Source]>),
    /// A number stored as a narrower one of the same kind.
    Widened(Scalar),
    /// A fieldless enum whose file knows variants the program does not, or
    /// numbers them otherwise: `(file discriminant, program discriminant)`,
    /// sorted; unknown values read as `other` (checked on open to be present
    /// only when the program has a fallback variant).
    Enum { repr: Scalar, map: Box<[(u64, u64)]>, other: Option<u64> },
    /// An enum with data: the variants both know (and those the program
    /// reads as its `other` variant), sorted by the file's discriminant:
    /// `(file discriminant, program discriminant, fields)`,
    /// `fields` saying where the file holds the program's fields of the
    /// variant (a struct laid over the whole enum, as the schema lays it).
    DataEnum { repr: Scalar, variants: Box<[(u64, u64, Evolved)]> },
    /// Elements that differ, one after the other: a list's (`Vec`,
    /// `Box<[T]>`), an array's, or a map's values.
    List(Elements),
    /// An option of a value that differs, `payload` bytes after the tag.
    Option { payload: usize, value: Link },
    /// A box of a value that differs; `zeroed` is its file form's zero
    /// value, viewed if the box stops resolving (the file changed after it was
    /// validated).
    Box { value: Link, zeroed: DefaultImage },
}

/// In [`Shape::List`]: how the file stores each element, and how far apart
/// and aligned it stores them — the node's size and alignment, kept here so
/// that finding an element does not wait for loading the node.
#[derive(Debug)]
pub(crate) struct Elements {
    pub node: Link,
    pub size: usize,
    pub align: usize,
}

/// Where the file holds one of the program's fields.
#[derive(Debug)]
pub(crate) enum Source {
    /// At `offset` in the file's struct; `value` says how its type differs,
    /// `None` if it does not.
    At { offset: usize, value: Option<Link> },
    /// Nowhere: the field reads as this default value.
    Missing(DefaultImage),
}

/// A node of the [`Evolved`] tree below another: its own, or — inside a
/// type that contains itself — the node of that type above it, which makes
/// the tree a graph. Either way it reads as the node.
pub(crate) struct Link {
    node: NonNull<Evolved>,
    /// Whether this link made the node and frees it; a link back up does not.
    owned: bool,
}

// SAFETY: a `Link` reads its node only, which nothing changes once
// resolving has finished (the graph is then only shared), as `Box<Evolved>`
// would; the node it owns is freed by it alone.
unsafe impl Send for Link {}
// SAFETY: as above: shared access only reads.
unsafe impl Sync for Link {}

impl Link {
    /// A link owning `node`.
    pub(crate) fn new(node: Evolved) -> Link {
        Link { node: NonNull::from(Box::leak(Box::new(node))), owned: true }
    }

    /// A link back to the node `self` owns, for the types inside it that
    /// refer to it.
    pub(crate) fn back(&self) -> Link {
        Link { node: self.node, owned: false }
    }

    /// Replaces the node `self` owns, which links made by
    /// [`back`](Self::back) then read.
    pub(crate) fn set(&mut self, node: Evolved) {
        debug_assert!(self.owned, "only the owner sets its node");
        // SAFETY: the node was allocated by `new` and lives until `self` is
        // dropped; resolving, which alone holds links while it builds them,
        // reads no node before it is set.
        unsafe { *self.node.as_ptr() = node };
    }
}

impl core::ops::Deref for Link {
    type Target = Evolved;

    #[inline]
    fn deref(&self) -> &Evolved {
        // SAFETY: an owning link's node lives as long as it; a link back
        // lies inside the node it points to (a type that contains itself),
        // so it cannot outlive it, and the whole graph is only read once
        // built.
        unsafe { self.node.as_ref() }
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        if self.owned {
            // SAFETY: made by `Box::leak` in `new`, freed here alone.
            drop(unsafe { Box::from_raw(self.node.as_ptr()) });
        }
    }
}

impl core::fmt::Debug for Link {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.owned { (**self).fmt(f) } else { f.write_str("(the type around, again)") }
    }
}

impl Evolved {
    /// How a file stores a value as `shape` says, in `size` bytes aligned to
    /// `align`; a struct's table of fields is made from its sources, an
    /// entry per field, as `field_view` relies on.
    pub(crate) fn new(size: usize, align: usize, shape: Shape) -> Evolved {
        let fields: &[Source] = match &shape {
            Shape::Struct(fields) => fields,
            _ => &[],
        };
        let entries = fields
            .iter()
            .map(|f| Entry {
                direct: match f {
                    Source::At { offset, value: None } => *offset,
                    _ => NOT_DIRECT,
                },
                changed: Changed::of(f),
            })
            .collect();
        Evolved { size, align, entries, shape }
    }

    #[inline]
    fn fields(&self) -> &[Source] {
        match &self.shape {
            Shape::Struct(fields) => fields,
            _ => &[],
        }
    }
}

/// What a type's `view_evolved` / `read_evolved` is when the type cannot
/// differ from the program's in a file: resolving never gives it an
/// [`Evolved`], so this is not reached.
#[cold]
pub(crate) fn never_evolved(name: &str) -> ! {
    unreachable!("files are checked on open to store `{name}` as the program does")
}

/// A pointer `offset` bytes after `at`.
///
/// # Safety
///
/// `at + offset` must lie in the allocation `at` points into.
#[inline]
unsafe fn add(at: NonNull<u8>, offset: usize) -> NonNull<u8> {
    // SAFETY: the caller's promise.
    unsafe { at.add(offset) }
}

/// `F`'s stored form at `at`, which stores it as the program does.
///
/// # Safety
///
/// `at` must point to `size_of::<F::Raw>()` bytes aligned for `F::Raw`, free
/// of `&mut` for `'a`.
#[inline]
unsafe fn raw_at<'a, F: Mapped>(at: NonNull<u8>) -> &'a F::Raw {
    // SAFETY: the caller's promise; `F::Raw: Pod` accepts any bytes.
    unsafe { at.cast::<F::Raw>().as_ref() }
}

/// The view of a value stored at `at` as `how` says (`None`: as the program
/// stores it).
///
/// # Safety
///
/// `at` must point to the file form's bytes (`how.size`, or `F::Raw`'s size),
/// aligned for it, inside `file`'s bytes or a default image that outlives
/// `'a`, validated by the file's schema and free of `&mut` for `'a`.
#[inline]
pub(crate) unsafe fn view_at<'a, F: Mapped>(
    at: NonNull<u8>,
    how: Option<&'a Evolved>,
    file: FileRef<'a>,
) -> F::View<'a> {
    // SAFETY: the caller's promise.
    unsafe {
        match how {
            None => F::view(raw_at::<F>(at), file),
            Some(how) => F::view_evolved(at, how, file),
        }
    }
}

/// [`view_at`], reading the owned value.
///
/// # Safety
///
/// As for [`view_at`].
pub(crate) unsafe fn read_at<F: Mapped>(
    at: NonNull<u8>,
    how: Option<&Evolved>,
    file: FileRef<'_>,
) -> F {
    // SAFETY: the caller's promise.
    unsafe {
        match how {
            None => F::read(raw_at::<F>(at), file),
            Some(how) => F::read_evolved(at, how, file),
        }
    }
}

/// A default image's stored form and the file to resolve its offsets in.
#[inline]
fn default_view(image: &DefaultImage) -> (NonNull<u8>, FileRef<'_>) {
    let bytes = image.bytes();
    (NonNull::from(image.stored()).cast(), FileRef::new(bytes))
}

/// The view of field `index` of the evolved struct at `at`.
///
/// # Safety
///
/// As for `view_at`, for a struct stored as `how` says, and field `index`
/// of the program's struct must be of type `F` (the struct `how` was
/// resolved for, which has an entry per field of the program's).
#[inline]
pub unsafe fn field_view<'a, F: Mapped>(
    at: NonNull<u8>,
    how: &'a Evolved,
    index: usize,
    file: FileRef<'a>,
) -> F::View<'a> {
    debug_assert!(index < how.entries.len(), "resolved for another struct");
    // SAFETY: the caller's promise: resolving gave `how` an entry per field.
    // Unchecked, the entries of a struct read in a loop are loaded once.
    let Entry { direct, changed } = unsafe { *how.entries.get_unchecked(index) };
    match (direct, changed) {
        // SAFETY: resolving proved that the field lies inside the file's
        // struct at `offset`, stored as the program stores `F` (the caller's
        // promise), aligned for it.
        (offset, _) if offset != NOT_DIRECT => unsafe {
            F::view(raw_at::<F>(add(at, offset)), file)
        },
        // A list of elements stored otherwise: a view cheap enough to make
        // here, without the call.
        // SAFETY: as in `field_view_otherwise`.
        (_, Some(changed)) if F::EVOLVES_INLINE => unsafe { changed_view::<F>(at, changed, file) },
        // SAFETY: the caller's promise.
        _ => unsafe { field_view_otherwise::<F>(at, how, index, file) },
    }
}

/// [`field_view`] of a field the file lacks or stores otherwise: kept out
/// of line, so that views of files of the program's own layout stay small.
///
/// # Safety
///
/// As for [`field_view`].
#[cold]
#[inline(never)]
unsafe fn field_view_otherwise<'a, F: Mapped>(
    at: NonNull<u8>,
    how: &'a Evolved,
    index: usize,
    file: FileRef<'a>,
) -> F::View<'a> {
    // SAFETY: resolving proved that the field lies inside the file's struct,
    // aligned as its file form needs; a default image holds `F`'s stored form
    // (the caller's promise on `F`) at offset `DefaultImage::ROOT`, aligned to 16.
    unsafe {
        match how.entries.get_unchecked(index).changed {
            Some(changed) => changed_view::<F>(at, changed, file),
            None => {
                let (at, how, file) = field_place(at, how, index, file);
                view_at::<F>(at, how, file)
            }
        }
    }
}

/// The view of a field of type `F` that the struct at `at` stores
/// otherwise, as `changed` says.
///
/// # Safety
///
/// As for [`field_view`], for the field `changed` describes.
#[inline]
unsafe fn changed_view<'a, F: Mapped>(
    at: NonNull<u8>,
    Changed { offset, how }: Changed,
    file: FileRef<'a>,
) -> F::View<'a> {
    // SAFETY: resolving proved that the field lies inside the file's struct
    // at `offset`, aligned as its file form needs, stored as its node says;
    // the node lives as long as the struct's (`Changed::how`), which the
    // caller's `'a` borrows.
    unsafe { F::view_evolved(add(at, offset), how.as_ref(), file) }
}

/// Where the file holds field `index` of the evolved struct at `at`, and
/// how: its stored form (in the file, or in the default image of a field the
/// file lacks), how it is stored there (`None`: as the program does), and the
/// bytes that resolve its offsets.
///
/// # Safety
///
/// As for [`field_view`] (whose promises on the result it passes on, for
/// the field's type).
#[inline]
pub(crate) unsafe fn field_place<'a>(
    at: NonNull<u8>,
    how: &'a Evolved,
    index: usize,
    file: FileRef<'a>,
) -> (NonNull<u8>, Option<&'a Evolved>, FileRef<'a>) {
    match &how.fields()[index] {
        // SAFETY: resolving proved that the field lies inside the file's
        // struct (the caller's promise).
        Source::At { offset, value } => (unsafe { add(at, *offset) }, value.as_deref(), file),
        Source::Missing(image) => {
            let (at, file) = default_view(image);
            (at, None, file)
        }
    }
}

/// [`field_view`], reading the owned value.
///
/// # Safety
///
/// As for [`field_view`].
pub unsafe fn field_read<F: Mapped>(
    at: NonNull<u8>,
    how: &Evolved,
    index: usize,
    file: FileRef<'_>,
) -> F {
    // SAFETY: as in `field_view`.
    unsafe {
        let (at, how, file) = field_place(at, how, index, file);
        read_at::<F>(at, how, file)
    }
}

/// A number stored narrower: its value, converted without loss.
///
/// # Safety
///
/// `at` must point to the narrower number, aligned for it.
#[inline]
pub(crate) unsafe fn widened(at: NonNull<u8>, how: &Evolved) -> Number {
    // SAFETY: the caller's promise; every bit pattern is a valid number.
    unsafe {
        let p = at;
        match how.shape {
            Shape::Widened(Scalar::U8) => Number::Unsigned(p.cast::<u8>().read().into()),
            Shape::Widened(Scalar::U16) => Number::Unsigned(p.cast::<u16>().read().into()),
            Shape::Widened(Scalar::U32) => Number::Unsigned(p.cast::<u32>().read().into()),
            Shape::Widened(Scalar::U64) => Number::Unsigned(p.cast::<u64>().read()),
            Shape::Widened(Scalar::I8) => Number::Signed(p.cast::<i8>().read().into()),
            Shape::Widened(Scalar::I16) => Number::Signed(p.cast::<i16>().read().into()),
            Shape::Widened(Scalar::I32) => Number::Signed(p.cast::<i32>().read().into()),
            Shape::Widened(Scalar::I64) => Number::Signed(p.cast::<i64>().read()),
            Shape::Widened(Scalar::F32) => Number::Float(p.cast::<f32>().read().into()),
            _ => never_evolved("a number"),
        }
    }
}

/// A number read from a narrower stored form.
#[derive(Clone, Copy)]
pub(crate) enum Number {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

/// The program's discriminant of the fieldless enum value at `at`, stored
/// as `how` says; `None` if the value is one the program does not know and
/// has no fallback for (possible only if the file changed after it was
/// checked).
///
/// # Safety
///
/// `at` must point to the file's stored discriminant, aligned for it.
#[inline]
pub unsafe fn evolved_discriminant(at: NonNull<u8>, how: &Evolved) -> Option<u64> {
    let Shape::Enum { repr, map, other } = &how.shape else { return None };
    // SAFETY: the caller's promise.
    let stored = unsafe { stored_discriminant(at, *repr) };
    match map.binary_search_by_key(&stored, |&(file, _)| file) {
        Ok(i) => Some(map[i].1),
        Err(_) => *other,
    }
}

/// The discriminant stored at `at` as `repr`.
///
/// # Safety
///
/// `at` must point to the discriminant, aligned for it.
#[inline]
unsafe fn stored_discriminant(at: NonNull<u8>, repr: Scalar) -> u64 {
    // SAFETY: the caller's promise; every bit pattern is a valid integer.
    unsafe {
        match repr {
            Scalar::U8 => at.cast::<u8>().read().into(),
            Scalar::U16 => at.cast::<u16>().read().into(),
            _ => u64::from(at.cast::<u32>().read()),
        }
    }
}

/// The program's discriminant of the enum with data at `at`, stored as
/// `how` says, and where the file holds that variant's fields (a struct
/// laid over the enum). A value of a variant the program does not know
/// (possible only if the file changed after it was checked) reads as the
/// first variant both know.
///
/// # Safety
///
/// `at` must point to the file's stored enum, aligned for it.
#[inline]
pub unsafe fn evolved_variant(at: NonNull<u8>, how: &Evolved) -> (u64, &Evolved) {
    let Shape::DataEnum { repr, variants } = &how.shape else { never_evolved("an enum with data") };
    // SAFETY: the caller's promise.
    let stored = unsafe { stored_discriminant(at, *repr) };
    let i = variants.binary_search_by_key(&stored, |&(file, ..)| file).unwrap_or(0);
    match variants.get(i) {
        Some((_, discriminant, fields)) => (*discriminant, fields),
        // Resolving refuses an enum that shares no variant with the file's.
        None => never_evolved("an enum with data"),
    }
}

/// The elements of a list whose element type differs in the file: `len`
/// file forms `stride` bytes apart from `base`, each stored as `how` says.
#[derive(Clone, Copy)]
pub(crate) struct Spread<'a> {
    pub base: NonNull<u8>,
    pub len: usize,
    stride: usize,
    pub how: &'a Evolved,
}

impl<'a> Spread<'a> {
    /// The list block at `offset` of `len` elements stored as `elements`
    /// says, or no elements if the block does not lie inside the file or is
    /// misaligned.
    ///
    /// # Safety
    ///
    /// No `&mut` to the block's bytes may be live for `'a`.
    #[inline]
    pub unsafe fn resolve(
        file: FileRef<'a>,
        offset: u64,
        len: u64,
        elements: &'a Elements,
    ) -> Self {
        let Elements { node, size, align } = elements;
        // SAFETY: the caller's promise.
        unsafe { Self::resolve_as(file, offset, len, *size, *align, node) }
    }

    /// The block at `offset` of one value stored as `how` says, as
    /// [`resolve`](Self::resolve) finds it.
    ///
    /// # Safety
    ///
    /// As for [`resolve`](Self::resolve).
    #[inline]
    pub unsafe fn resolve_one(file: FileRef<'a>, offset: u64, how: &'a Evolved) -> Self {
        // SAFETY: the caller's promise.
        unsafe { Self::resolve_as(file, offset, 1, how.size, how.align, how) }
    }

    /// [`resolve`](Self::resolve), for elements `size` bytes apart, aligned
    /// to `align`.
    ///
    /// # Safety
    ///
    /// As for [`resolve`](Self::resolve).
    #[inline]
    unsafe fn resolve_as(
        file: FileRef<'a>,
        offset: u64,
        len: u64,
        size: usize,
        align: usize,
        how: &'a Evolved,
    ) -> Self {
        let bytes = len.saturating_mul(size as u64);
        // SAFETY: the caller's promise.
        let block = unsafe { file.block::<u8>(offset, bytes) };
        match block {
            // `align` is a power of two (decoding checks every layout's):
            // a mask, not a division.
            Some(block) if block.as_ptr() as usize & align.wrapping_sub(1) == 0 => {
                Spread { base: NonNull::from(block).cast(), len: len as usize, stride: size, how }
            }
            _ => Spread { base: NonNull::dangling(), len: 0, stride: size, how },
        }
    }

    /// The `len` elements at `base`, which lie inside a value stored as
    /// `elements` says (an array's).
    pub fn inside(base: NonNull<u8>, len: usize, elements: &'a Elements) -> Self {
        Spread { base, len, stride: elements.size, how: &elements.node }
    }

    /// The elements as the program's stored forms, for a [`Frozen`] element
    /// type, whose stored form every file shares even where what it points
    /// to differs (a list of lists of a changed struct).
    #[inline]
    pub fn frozen_elements<T: Frozen>(&self) -> &'a [T::Raw] {
        let fits = self.stride == size_of::<T::Raw>()
            && (self.base.as_ptr() as usize).is_multiple_of(align_of::<T::Raw>());
        if !fits {
            // Not reached: resolving gives a frozen type the program's size.
            return &[];
        }
        // SAFETY: the `len` elements lie inside the file, free of `&mut` for
        // `'a` (`Spread::resolve`'s and the view's promises), `stride`
        // bytes apart: `T::Raw`'s size, and aligned for it; `T::Raw: Pod`
        // accepts any bytes, and `T: Frozen` makes them the program's form.
        unsafe { core::slice::from_raw_parts(self.base.as_ptr().cast(), self.len) }
    }

    /// Element `index`'s stored form, which lies inside the block.
    #[inline]
    pub fn at(&self, index: usize) -> Option<NonNull<u8>> {
        // SAFETY: `index < len`, so the element lies inside the block.
        (index < self.len).then(|| unsafe { add(self.base, index * self.stride) })
    }
}

/// The stored form of a box whose value differs in the file: the value's
/// bytes, or its zero value's if the box does not resolve.
///
/// # Safety
///
/// No `&mut` to the value's bytes may be live for `'a`.
pub(crate) unsafe fn boxed_at<'a>(
    file: FileRef<'a>,
    offset: u64,
    how: &'a Evolved,
) -> (NonNull<u8>, &'a Evolved, FileRef<'a>) {
    let Shape::Box { value, zeroed } = &how.shape else { never_evolved("Box") };
    // SAFETY: the caller's promise.
    match unsafe { Spread::resolve_one(file, offset, value) }.at(0) {
        Some(at) => (at, value, file),
        None => {
            let (at, file) = default_view(zeroed);
            (at, value, file)
        }
    }
}

/// Writes `value`'s stored form and blocks into an image of their own: a
/// field's default for files that lack the field.
pub fn default_image<T: Mapped>(value: &T) -> DefaultImage {
    let (size, root) = (size_of::<T::Raw>() as u64, DefaultImage::ROOT as u64);
    let mut w = Writer::measure_from(root);
    w.alloc(size, align_of::<T::Raw>() as u64);
    value.write(&mut w);
    let mut image = DefaultImage::zeroed((w.end() - root) as usize);
    let mut w = Writer::over_from(&mut image.bytes_mut()[DefaultImage::ROOT..], root);
    w.alloc(size, align_of::<T::Raw>() as u64);
    let raw = value.write(&mut w);
    w.put(root, &raw);
    image
}

/// `Default::default()` of `T` in stored form, for [`DefaultOf`].
fn default_image_of<T: Mapped + Default>() -> DefaultImage {
    default_image(&T::default())
}

/// `DefaultOf::<T>::VALUE`, with [`NoDefault`] in scope: how to make `T`'s
/// `Default` value in stored form if `T: Default`, else `None` (the derive
/// fills `FieldLayout::default` with it).
#[doc(hidden)]
pub struct DefaultOf<T>(core::marker::PhantomData<T>);

impl<T: Mapped + Default> DefaultOf<T> {
    /// `T::default()`, in stored form.
    pub const VALUE: Option<crate::format::layout::DefaultValue> =
        Some(crate::format::layout::DefaultValue(default_image_of::<T>));
}

/// What `DefaultOf::<T>::VALUE` is when `T` is not `Default`.
#[doc(hidden)]
pub trait NoDefault {
    /// No default.
    const VALUE: Option<crate::format::layout::DefaultValue> = None;
}
impl<T> NoDefault for DefaultOf<T> {}
