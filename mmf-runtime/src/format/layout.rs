//! The offset table: what every stored type looks like in a file.
//!
//! Each [`Mapped`](crate::Mapped) type carries a `const LAYOUT: &'static Layout`.
//! The layout of a struct lists its fields with their byte offsets (taken with
//! `core::mem::offset_of!` on the mirror struct), sizes and the layouts of their
//! own types, so the whole tree reachable from a root type is known at compile
//! time. The same tree is encoded into every file (see [`crate::schema`]) and
//! hashed into [`Mapped::SCHEMA_HASH`](crate::Mapped::SCHEMA_HASH).

/// How many levels of recursive types a value may nest, counted from the
/// outermost value of a recursive type. Validation refuses deeper values with
/// [`Problem::NestedTooDeep`](crate::Problem::NestedTooDeep); writing one
/// panics. A file needs at least 8 bytes per level, so 1,000,000 levels
/// allow 8 MB of nothing but nesting.
pub const MAX_NESTING: u32 = 1_000_000;

/// The largest alignment of a stored type (a `u128`'s at most): images
/// start at a multiple of it, so offsets that are multiples of a type's
/// alignment are addresses that are.
pub const MAX_ALIGN: usize = 16;

/// The layout of one stored type: its name, the size and alignment of its
/// stored form (`T::Raw`), and what kind of value it is.
///
/// # Example
///
/// ```
/// use mmf_runtime::{Kind, Mapped, Scalar};
///
/// let layout = <Vec<f64> as Mapped>::LAYOUT;
/// assert_eq!((layout.size, layout.align), (16, 8)); // offset + length
/// assert!(matches!(layout.kind, Kind::List(element) if element.kind == Kind::Scalar(Scalar::F64)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The type's name: the struct or enum identifier, or a descriptive name
    /// such as `Vec` or `f64` for built-in types.
    pub name: &'static str,
    /// `size_of` the stored form.
    pub size: usize,
    /// `align_of` the stored form.
    pub align: usize,
    /// What the stored bytes mean.
    pub kind: Kind,
    /// Whether the type is a struct marked `#[mmf(frozen)]`: a file must
    /// store it, and everything in it, exactly as this layout says. Not part
    /// of the schema: a frozen struct's files are its unfrozen files.
    pub frozen: bool,
}

/// What kind of value a [`Layout`] describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// A number, `bool` or `char`, stored inline.
    Scalar(Scalar),
    /// UTF-8 text in a block elsewhere in the file: `RawStr { offset, len }`.
    Str,
    /// A list of elements in a block elsewhere in the file: `RawVec { offset, len }`.
    List(&'static Layout),
    /// A tag (0 or 1) padded to the value's alignment, then the value.
    Option(&'static Layout),
    /// A value in a block of its own elsewhere in the file: `RawBox { offset }`.
    Box(&'static Layout),
    /// A map or set: `RawMap { keys, values, buckets }`.
    Map {
        /// The keys' layout.
        key: &'static Layout,
        /// The values' layout; `None` for a set.
        value: Option<&'static Layout>,
        /// Whether entries are ordered by hash (`HashMap`, `HashSet`, with
        /// `buckets`) or by key (`BTreeMap`, `BTreeSet`).
        hashed: bool,
    },
    /// `len` elements stored inline.
    Array {
        /// The element's layout.
        element: &'static Layout,
        /// The number of elements.
        len: usize,
    },
    /// A `#[derive(Mapped)]` struct: its fields in declaration order.
    Struct(&'static [FieldLayout]),
    /// An enum: its discriminant stored as `repr` at offset 0, then, for an
    /// enum with data, zeroed padding and the largest variant's fields. A
    /// fieldless enum is its discriminant alone.
    Enum {
        /// The integer the discriminant is stored as.
        repr: Scalar,
        /// The known variants.
        variants: &'static [VariantLayout],
    },
    /// A recursive type inside its own fields: the nearest enclosing struct or
    /// enum of the same name (`name`, `size` and `align` are its own). In
    /// `struct Node { children: Vec<Node> }`, the element of `children`.
    Recursive,
}

/// A scalar stored inline, in the producer's byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // the variants are the Rust types of the same name
pub enum Scalar {
    U8,
    U16,
    U32,
    U64,
    U128,
    I8,
    I16,
    I32,
    I64,
    I128,
    F32,
    F64,
    /// One byte, 0 or 1.
    Bool,
    /// A `u32` holding a Unicode scalar value.
    Char,
}

impl Scalar {
    /// The Rust name of the type.
    pub const fn name(self) -> &'static str {
        match self {
            Scalar::U8 => "u8",
            Scalar::U16 => "u16",
            Scalar::U32 => "u32",
            Scalar::U64 => "u64",
            Scalar::U128 => "u128",
            Scalar::I8 => "i8",
            Scalar::I16 => "i16",
            Scalar::I32 => "i32",
            Scalar::I64 => "i64",
            Scalar::I128 => "i128",
            Scalar::F32 => "f32",
            Scalar::F64 => "f64",
            Scalar::Bool => "bool",
            Scalar::Char => "char",
        }
    }
}

/// One field of a struct's offset table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldLayout {
    /// The field's name; `0`, `1`, … for tuple structs.
    pub name: &'static str,
    /// Bytes from the start of the struct's stored form.
    pub offset: usize,
    /// Bytes the field occupies (equal to `layout.size`).
    pub size: usize,
    /// The layout of the field's type.
    pub layout: &'static Layout,
    /// Names the field had in earlier versions of the type
    /// (`#[mmf(renamed_from = "…")]`): a file that has a field of such a name
    /// and none of this one's reads it as this field.
    pub renamed_from: &'static [&'static str],
    /// The value a file without this field reads as: `#[mmf(default = …)]`,
    /// or the type's `Default`; `None` if it has neither.
    pub default: Option<DefaultValue>,
}

impl FieldLayout {
    /// A field without earlier names, whose default is unknown.
    pub const fn new(name: &'static str, offset: usize, layout: &'static Layout) -> Self {
        FieldLayout { name, offset, size: layout.size, layout, renamed_from: &[], default: None }
    }
}

/// How to make a field's default value in stored form (see
/// [`FieldLayout::default`]); made by the derive. Two are always equal: the
/// default is not part of a layout's identity (nor of its schema hash).
#[derive(Clone, Copy)]
pub struct DefaultValue(pub fn() -> DefaultImage);

impl PartialEq for DefaultValue {
    fn eq(&self, _: &DefaultValue) -> bool {
        true
    }
}
impl Eq for DefaultValue {}

impl core::fmt::Debug for DefaultValue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("DefaultValue")
    }
}

/// A value's stored form and its blocks, alone in a small image laid out as
/// a file without its header: [`DefaultImage::ROOT`] zero bytes, the stored
/// form, then its blocks, every offset counted from the image's start.
#[derive(Debug, Clone)]
pub struct DefaultImage {
    pub(crate) chunks: Box<[Chunk]>,
    pub(crate) len: usize,
}

/// 16 bytes aligned as the most aligned stored form (`u128`).
#[derive(Debug, Clone, Copy)]
#[repr(C, align(16))]
pub(crate) struct Chunk(pub [u8; 16]);

impl DefaultImage {
    /// Where the stored form starts: where a file's root would, after the
    /// header, so that the image's blocks lie where a file's may.
    pub const ROOT: usize = 64;

    /// A zeroed image whose stored form and blocks take `len` bytes.
    pub(crate) fn zeroed(len: usize) -> Self {
        let len = Self::ROOT + len;
        DefaultImage { chunks: vec![Chunk([0; 16]); len.div_ceil(16)].into(), len }
    }

    /// The stored form and its blocks: the image from [`DefaultImage::ROOT`] on.
    pub(crate) fn stored(&self) -> &[u8] {
        &self.bytes()[Self::ROOT..]
    }

    /// The image's bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: `Chunk` is 16 initialized bytes without padding, so the
        // chunks are `16 * chunks.len() >= len` initialized bytes.
        unsafe { core::slice::from_raw_parts(self.chunks.as_ptr().cast::<u8>(), self.len) }
    }

    /// The image's bytes, writable.
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`, and `&mut self` makes the access exclusive.
        unsafe { core::slice::from_raw_parts_mut(self.chunks.as_mut_ptr().cast::<u8>(), self.len) }
    }
}

/// One variant of an enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VariantLayout {
    /// The variant's name.
    pub name: &'static str,
    /// Its discriminant.
    pub discriminant: u64,
    /// Its fields, with offsets from the start of the enum's stored form
    /// (`0`, `1`, … for a tuple variant; none for a unit variant).
    pub fields: &'static [FieldLayout],
    /// Whether values of variants this program does not know read as this
    /// one (`#[mmf(other)]`, on one variant of a fieldless enum).
    pub other: bool,
}

/// Whether some variant of an enum has fields: it is then stored as its
/// discriminant followed by the variants' fields, not as the discriminant alone.
pub(crate) const fn has_data(variants: &[VariantLayout]) -> bool {
    let mut i = 0;
    while i < variants.len() {
        if !variants[i].fields.is_empty() {
            return true;
        }
        i += 1;
    }
    false
}

/// The largest `max_align` of some fields' layouts (1 for none).
const fn fields_max_align(fields: &[FieldLayout]) -> usize {
    let mut max = 1;
    let mut i = 0;
    while i < fields.len() {
        let a = fields[i].layout.max_align();
        if a > max {
            max = a;
        }
        i += 1;
    }
    max
}

impl Layout {
    /// The largest alignment of any stored form reachable from this layout:
    /// the alignment a buffer must have so that every block can be viewed.
    ///
    /// ```
    /// use mmf_runtime::Mapped;
    /// assert_eq!(<Vec<u16> as Mapped>::LAYOUT.max_align(), 8);
    /// ```
    pub const fn max_align(&self) -> usize {
        let inner = match self.kind {
            // A recursive type's own alignment was counted where it encloses itself.
            Kind::Scalar(_) | Kind::Str | Kind::Recursive => 1,
            Kind::List(element)
            | Kind::Option(element)
            | Kind::Box(element)
            | Kind::Array { element, .. } => element.max_align(),
            Kind::Struct(fields) => fields_max_align(fields),
            Kind::Map { key, value, .. } => {
                let k = key.max_align();
                match value {
                    Some(value) if value.max_align() > k => value.max_align(),
                    _ => k,
                }
            }
            Kind::Enum { variants, .. } => {
                let mut max = 1;
                let mut i = 0;
                while i < variants.len() {
                    let a = fields_max_align(variants[i].fields);
                    if a > max {
                        max = a;
                    }
                    i += 1;
                }
                max
            }
        };
        if inner > self.align { inner } else { self.align }
    }
}
