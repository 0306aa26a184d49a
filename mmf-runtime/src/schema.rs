//! The canonical encoding of a [`Layout`] tree, and its hash.
//!
//! Every file carries the encoding of its root type's layout (pointed to by the
//! header's schema offset and length), and the header's schema hash is the
//! 64-bit FNV-1a hash of exactly those bytes. Both are computed by one `const fn`
//! walk, so [`Mapped::SCHEMA_HASH`](crate::Mapped::SCHEMA_HASH) is a compile-time
//! constant and the embedded bytes always agree with it.
//!
//! The encoding, all integers little-endian:
//!
//! ```text
//! schema  := "MMFS" version:u32(=1) type
//! type    := tag:u8 body
//!   scalar tags 1..=14 (u8 u16 u32 u64 u128 i8 i16 i32 i64 i128 f32 f64 bool char): no body
//!   20 str:    no body
//!   21 list:   type                      (the element)
//!   22 option: type                      (the value)
//!   23 array:  len:u64 type              (the element)
//!   24 struct: name size:u64 align:u64 count:u64 { name offset:u64 type }*
//!   25 enum:   name repr:u8 count:u64 { name discriminant:u64 }*
//! name    := len:u64 utf8-bytes
//! ```

use crate::layout::{Kind, Layout, Scalar};

pub(crate) const MAGIC: &[u8; 4] = b"MMFS";
pub(crate) const VERSION: u32 = 1;

pub(crate) const TAG_STR: u8 = 20;
pub(crate) const TAG_LIST: u8 = 21;
pub(crate) const TAG_OPTION: u8 = 22;
pub(crate) const TAG_ARRAY: u8 = 23;
pub(crate) const TAG_STRUCT: u8 = 24;
pub(crate) const TAG_ENUM: u8 = 25;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Writes the encoding into `out` (as far as it reaches) while hashing it.
struct Encoder<'b> {
    out: &'b mut [u8],
    len: usize,
    hash: u64,
}

impl Encoder<'_> {
    const fn byte(&mut self, b: u8) {
        if self.len < self.out.len() {
            self.out[self.len] = b;
        }
        self.len += 1;
        self.hash = (self.hash ^ b as u64).wrapping_mul(FNV_PRIME);
    }

    const fn bytes(&mut self, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            self.byte(bytes[i]);
            i += 1;
        }
    }

    const fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }

    const fn name(&mut self, name: &str) {
        self.u64(name.len() as u64);
        self.bytes(name.as_bytes());
    }

    const fn schema(&mut self, layout: &Layout) {
        self.bytes(MAGIC);
        self.bytes(&VERSION.to_le_bytes());
        self.layout(layout);
    }

    const fn layout(&mut self, layout: &Layout) {
        match layout.kind {
            Kind::Scalar(s) => self.byte(scalar_tag(s)),
            Kind::Str => self.byte(TAG_STR),
            Kind::List(element) => {
                self.byte(TAG_LIST);
                self.layout(element);
            }
            Kind::Option(value) => {
                self.byte(TAG_OPTION);
                self.layout(value);
            }
            Kind::Array { element, len } => {
                self.byte(TAG_ARRAY);
                self.u64(len as u64);
                self.layout(element);
            }
            Kind::Struct(fields) => {
                self.byte(TAG_STRUCT);
                self.name(layout.name);
                self.u64(layout.size as u64);
                self.u64(layout.align as u64);
                self.u64(fields.len() as u64);
                let mut i = 0;
                while i < fields.len() {
                    self.name(fields[i].name);
                    self.u64(fields[i].offset as u64);
                    self.layout(fields[i].layout);
                    i += 1;
                }
            }
            Kind::Enum { repr, variants } => {
                self.byte(TAG_ENUM);
                self.name(layout.name);
                self.byte(scalar_tag(repr));
                self.u64(variants.len() as u64);
                let mut i = 0;
                while i < variants.len() {
                    self.name(variants[i].name);
                    self.u64(variants[i].discriminant);
                    i += 1;
                }
            }
        }
    }
}

pub(crate) const fn scalar_tag(s: Scalar) -> u8 {
    match s {
        Scalar::U8 => 1,
        Scalar::U16 => 2,
        Scalar::U32 => 3,
        Scalar::U64 => 4,
        Scalar::U128 => 5,
        Scalar::I8 => 6,
        Scalar::I16 => 7,
        Scalar::I32 => 8,
        Scalar::I64 => 9,
        Scalar::I128 => 10,
        Scalar::F32 => 11,
        Scalar::F64 => 12,
        Scalar::Bool => 13,
        Scalar::Char => 14,
    }
}

/// The schema hash of a layout tree: FNV-1a over its canonical encoding.
///
/// ```
/// use mmf_runtime::{schema, Mapped};
/// assert_eq!(schema::hash(<u32 as Mapped>::LAYOUT), <u32 as Mapped>::SCHEMA_HASH);
/// assert_ne!(<u32 as Mapped>::SCHEMA_HASH, <i32 as Mapped>::SCHEMA_HASH);
/// ```
pub const fn hash(layout: &Layout) -> u64 {
    let mut e = Encoder { out: &mut [], len: 0, hash: FNV_OFFSET };
    e.schema(layout);
    e.hash
}

/// FNV-1a over arbitrary bytes: the hash [`hash`] computes over the encoding.
pub const fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut e = Encoder { out: &mut [], len: 0, hash: FNV_OFFSET };
    e.bytes(bytes);
    e.hash
}

/// The canonical encoding of a layout tree, as stored in files.
///
/// ```
/// use mmf_runtime::{schema, Mapped};
/// let bytes = schema::encode(<Vec<String> as Mapped>::LAYOUT);
/// assert_eq!(schema::hash_bytes(&bytes), <Vec<String> as Mapped>::SCHEMA_HASH);
/// assert_eq!(&bytes[..4], b"MMFS");
/// ```
pub fn encode(layout: &Layout) -> Vec<u8> {
    let mut e = Encoder { out: &mut [], len: 0, hash: FNV_OFFSET };
    e.schema(layout);
    let mut out = vec![0; e.len];
    let mut e = Encoder { out: &mut out, len: 0, hash: FNV_OFFSET };
    e.schema(layout);
    out
}

/// The name of the root type an encoded schema describes, when it is a struct
/// or an enum; `None` for built-in root types or bytes that are not a schema.
///
/// ```
/// use mmf_runtime::{schema, Mapped};
/// assert_eq!(schema::root_name(&schema::encode(<u8 as Mapped>::LAYOUT)), None);
/// assert_eq!(schema::root_name(b"not a schema"), None);
/// ```
pub fn root_name(schema: &[u8]) -> Option<&str> {
    let rest = schema.strip_prefix(MAGIC)?.strip_prefix(&VERSION.to_le_bytes())?;
    let (&tag, rest) = rest.split_first()?;
    if tag != TAG_STRUCT && tag != TAG_ENUM {
        return None;
    }
    let (len, rest) = rest.split_first_chunk::<8>()?;
    let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
    core::str::from_utf8(rest.get(..len)?).ok()
}
