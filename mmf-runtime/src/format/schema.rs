//! The embedded schema: a fixed-layout encoding of a [`Layout`] tree, and its hash.
//!
//! Every file carries the encoding of its root type's layout (pointed to by the
//! header's schema offset and length), and the header's schema hash is the
//! 64-bit FNV-1a hash of exactly those bytes. Both are computed by `const fn`
//! walks, so [`Mapped::SCHEMA_HASH`](crate::Mapped::SCHEMA_HASH) is a compile-time
//! constant and the embedded bytes always agree with it.
//!
//! The encoding is itself readable in place: a 32-byte header, then tables of
//! fixed-size records, then the names. All integers are little-endian; every
//! record is 8-aligned when the schema is (writers place it at a multiple of 8).
//!
//! ```text
//! header    32 bytes: magic "MMFS", version u32 (= 2), type count u32,
//!           field count u32, variant count u32, name bytes u32, root type u32 (= 0), 0 u32
//! types     40 bytes each: kind u8, repr u8, 0 u16, name offset u32, name length u32,
//!           child u32, count u64, size u64, align u64
//! fields    24 bytes each: name offset u32, name length u32, offset u64, type u32, 0 u32
//! variants  16 bytes each: name offset u32, name length u32, discriminant u64
//! names     UTF-8, one after the other; offsets count from the start of this table
//! ```
//!
//! Kinds: 1–14 the scalars `u8 u16 u32 u64 u128 i8 i16 i32 i64 i128 f32 f64 bool
//! char`; 20 `str`; 21 list, 22 option, 23 array (`child`: the element's type;
//! an array's `count`: its length); 24 struct (`child`: its first field,
//! `count`: how many); 25 enum (`repr`: the scalar kind it is stored as,
//! `child`: its first variant, `count`: how many). Types are listed depth first
//! from the root (type 0), so every type's children come after it; a type used
//! twice is listed twice. `size` and `align` are those of the stored form.

use crate::format::error::{Error, Result};
use crate::format::layout::{Kind, Layout, Scalar};

pub(crate) const MAGIC: &[u8; 4] = b"MMFS";
pub(crate) const VERSION: u32 = 2;
pub(crate) const HEADER_LEN: usize = 32;
pub(crate) const TYPE_LEN: usize = 40;
pub(crate) const FIELD_LEN: usize = 24;
pub(crate) const VARIANT_LEN: usize = 16;

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

/// Where the next type, field, variant and name go: advanced alike by every
/// pass over the tree, whichever table the pass writes.
#[derive(Clone, Copy)]
struct Cursor {
    types: u32,
    fields: u32,
    variants: u32,
    names: u32,
}

const START: Cursor = Cursor { types: 0, fields: 0, variants: 0, names: 0 };

#[derive(Clone, Copy, PartialEq, Eq)]
enum Table {
    Types,
    Fields,
    Variants,
    Names,
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

    const fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }

    const fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }

    const fn schema(&mut self, layout: &Layout) {
        let mut counts = START;
        self.walk(layout, &mut counts, None);
        self.bytes(MAGIC);
        self.u32(VERSION);
        self.u32(counts.types);
        self.u32(counts.fields);
        self.u32(counts.variants);
        self.u32(counts.names);
        self.u32(0);
        self.u32(0);
        let tables = [Table::Types, Table::Fields, Table::Variants, Table::Names];
        let mut i = 0;
        while i < tables.len() {
            let mut at = START;
            self.walk(layout, &mut at, Some(tables[i]));
            i += 1;
        }
    }

    /// Visits the tree depth first, advancing `at`, and writes the records of
    /// `table` (nothing when counting).
    const fn walk(&mut self, layout: &Layout, at: &mut Cursor, table: Option<Table>) {
        let name = layout.name.as_bytes();
        let name_offset = at.names;
        at.types += 1;
        at.names += name.len() as u32;
        if let Some(Table::Names) = table {
            self.bytes(name);
        }
        let (kind, repr, child, count) = match layout.kind {
            Kind::Scalar(s) => (scalar_tag(s), 0, 0, 0),
            Kind::Str => (TAG_STR, 0, 0, 0),
            Kind::List(_) => (TAG_LIST, 0, at.types, 0),
            Kind::Option(_) => (TAG_OPTION, 0, at.types, 0),
            Kind::Array { len, .. } => (TAG_ARRAY, 0, at.types, len as u64),
            Kind::Struct(fields) => (TAG_STRUCT, 0, at.fields, fields.len() as u64),
            Kind::Enum { repr, variants } => {
                (TAG_ENUM, scalar_tag(repr), at.variants, variants.len() as u64)
            }
        };
        if let Some(Table::Types) = table {
            self.byte(kind);
            self.byte(repr);
            self.bytes(&[0, 0]);
            self.u32(name_offset);
            self.u32(name.len() as u32);
            self.u32(child);
            self.u64(count);
            self.u64(layout.size as u64);
            self.u64(layout.align as u64);
        }
        match layout.kind {
            Kind::Scalar(_) | Kind::Str => {}
            Kind::List(inner) | Kind::Option(inner) | Kind::Array { element: inner, .. } => {
                self.walk(inner, at, table)
            }
            Kind::Struct(fields) => {
                // The field records and names, then each field's type.
                at.fields += fields.len() as u32;
                let mut field_type = at.types;
                let mut i = 0;
                while i < fields.len() {
                    let field_name = fields[i].name.as_bytes();
                    match table {
                        Some(Table::Fields) => {
                            self.u32(at.names);
                            self.u32(field_name.len() as u32);
                            self.u64(fields[i].offset as u64);
                            self.u32(field_type);
                            self.u32(0);
                        }
                        Some(Table::Names) => self.bytes(field_name),
                        _ => {}
                    }
                    at.names += field_name.len() as u32;
                    field_type += type_count(fields[i].layout);
                    i += 1;
                }
                let mut i = 0;
                while i < fields.len() {
                    self.walk(fields[i].layout, at, table);
                    i += 1;
                }
            }
            Kind::Enum { variants, .. } => {
                at.variants += variants.len() as u32;
                let mut i = 0;
                while i < variants.len() {
                    let variant_name = variants[i].name.as_bytes();
                    match table {
                        Some(Table::Variants) => {
                            self.u32(at.names);
                            self.u32(variant_name.len() as u32);
                            self.u64(variants[i].discriminant);
                        }
                        Some(Table::Names) => self.bytes(variant_name),
                        _ => {}
                    }
                    at.names += variant_name.len() as u32;
                    i += 1;
                }
            }
        }
    }
}

/// How many type records a layout takes: itself and everything below it.
const fn type_count(layout: &Layout) -> u32 {
    match layout.kind {
        Kind::Scalar(_) | Kind::Str | Kind::Enum { .. } => 1,
        Kind::List(inner) | Kind::Option(inner) | Kind::Array { element: inner, .. } => {
            1 + type_count(inner)
        }
        Kind::Struct(fields) => {
            let mut n = 1;
            let mut i = 0;
            while i < fields.len() {
                n += type_count(fields[i].layout);
                i += 1;
            }
            n
        }
    }
}

const SCALARS: [Scalar; 14] = [
    Scalar::U8,
    Scalar::U16,
    Scalar::U32,
    Scalar::U64,
    Scalar::U128,
    Scalar::I8,
    Scalar::I16,
    Scalar::I32,
    Scalar::I64,
    Scalar::I128,
    Scalar::F32,
    Scalar::F64,
    Scalar::Bool,
    Scalar::Char,
];

/// The scalar whose kind tag is `tag`, if any.
pub(crate) fn scalar_of_tag(tag: u8) -> Option<Scalar> {
    SCALARS.into_iter().find(|&s| scalar_tag(s) == tag)
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
    SchemaTables::new(schema).ok()?.root_name()
}

pub(crate) fn unreadable(at: usize, problem: impl Into<String>) -> Error {
    Error::SchemaUnreadable { at: at as u64, problem: problem.into() }
}

/// The tables of an embedded schema (see [`crate::schema`]), located and
/// size-checked; records are read from them by index.
pub(crate) struct SchemaTables<'a> {
    bytes: &'a [u8],
    counts: [u32; 3],
    /// Where the field, variant and name tables start.
    starts: [usize; 3],
}

fn le_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("four bytes"))
}

fn le_u64(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"))
}

impl<'a> SchemaTables<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Result<Self> {
        if bytes.len() < HEADER_LEN || &bytes[..4] != MAGIC || le_u32(bytes, 4) != VERSION {
            return Err(unreadable(
                0,
                format!("it does not start with `MMFS` and version {VERSION}"),
            ));
        }
        let [types, fields, variants, names] = [8, 12, 16, 20].map(|at| le_u32(bytes, at) as u64);
        if types == 0 || le_u32(bytes, 24) != 0 {
            return Err(unreadable(8, "the root must be type 0 of at least one"));
        }
        // In u64: four u32 counts times small record sizes cannot overflow it.
        let field_start = HEADER_LEN as u64 + TYPE_LEN as u64 * types;
        let variant_start = field_start + FIELD_LEN as u64 * fields;
        let name_start = variant_start + VARIANT_LEN as u64 * variants;
        if name_start + names != bytes.len() as u64 {
            let need = name_start + names;
            return Err(unreadable(
                8,
                format!("its tables need {need} bytes, it has {}", bytes.len()),
            ));
        }
        // All inside `bytes`, so they fit in `usize`.
        let (field_start, variant_start, name_start) =
            (field_start as usize, variant_start as usize, name_start as usize);
        Ok(SchemaTables {
            bytes,
            counts: [types as u32, fields as u32, variants as u32],
            starts: [field_start, variant_start, name_start],
        })
    }

    fn name(&self, record: usize) -> Result<&'a str> {
        let (offset, len) =
            (le_u32(self.bytes, record) as usize, le_u32(self.bytes, record + 4) as usize);
        let names = &self.bytes[self.starts[2]..];
        let name = names.get(offset..).and_then(|rest| rest.get(..len));
        let name = name.ok_or_else(|| unreadable(record, "a name lies outside the name table"))?;
        core::str::from_utf8(name).map_err(|_| unreadable(record, "a name is not UTF-8"))
    }

    /// The root type's name, when it is a struct or an enum.
    pub(crate) fn root_name(&self) -> Option<&'a str> {
        let kind = self.bytes[HEADER_LEN];
        let named = kind == TAG_STRUCT || kind == TAG_ENUM;
        if named { self.name(HEADER_LEN + 4).ok() } else { None }
    }

    /// The indices `first..first + count` of table `table` (0: types, 1: fields,
    /// 2: variants), if they are all in it and, for types, after `parent`.
    fn range(
        &self,
        table: usize,
        first: u32,
        count: u64,
        parent: Option<u32>,
        at: usize,
    ) -> Result<core::ops::Range<u32>> {
        let end = u64::from(first) + count;
        let after_parent = parent.is_none_or(|p| first > p);
        if end > u64::from(self.counts[table]) || !after_parent {
            return Err(unreadable(at, "a record points outside its table, or back up the tree"));
        }
        Ok(first..end as u32)
    }

    /// Type record `index`, which must be in the type table.
    pub(crate) fn type_record(&self, index: u32) -> Result<TypeRecord<'a>> {
        let at = HEADER_LEN + TYPE_LEN * index as usize;
        let record = &self.bytes[at..at + TYPE_LEN];
        Ok(TypeRecord {
            at,
            index,
            kind: record[0],
            repr: record[1],
            name: self.name(at + 4)?,
            child: le_u32(record, 12),
            count: le_u64(record, 16),
            size: le_u64(record, 24),
            align: le_u64(record, 32),
        })
    }

    /// The one type a list, option or array record points to: after it in the table.
    pub(crate) fn element(&self, ty: &TypeRecord<'a>) -> Result<TypeRecord<'a>> {
        let child = self.range(0, ty.child, 1, Some(ty.index), ty.at)?.start;
        self.type_record(child)
    }

    /// A struct record's fields, each with its type (after the struct's).
    pub(crate) fn fields(&self, ty: &TypeRecord<'a>) -> Result<Vec<FieldRecord<'a>>> {
        let mut fields = Vec::new();
        for i in self.range(1, ty.child, ty.count, None, ty.at)? {
            let at = self.starts[0] + FIELD_LEN * i as usize;
            let field_type = le_u32(self.bytes, at + 16);
            let field_type = self.range(0, field_type, 1, Some(ty.index), at)?.start;
            fields.push(FieldRecord {
                name: self.name(at)?,
                offset: le_u64(self.bytes, at + 8),
                ty: self.type_record(field_type)?,
            });
        }
        Ok(fields)
    }

    /// An enum record's variants.
    pub(crate) fn variants(&self, ty: &TypeRecord<'a>) -> Result<Vec<VariantRecord<'a>>> {
        let mut variants = Vec::new();
        for i in self.range(2, ty.child, ty.count, None, ty.at)? {
            let at = self.starts[1] + VARIANT_LEN * i as usize;
            variants.push(VariantRecord {
                name: self.name(at)?,
                discriminant: le_u64(self.bytes, at + 8),
            });
        }
        Ok(variants)
    }
}

/// One type of an embedded schema, as its record says (see the module docs).
pub(crate) struct TypeRecord<'a> {
    /// Where the record starts in the schema.
    pub(crate) at: usize,
    /// Its index in the type table.
    pub(crate) index: u32,
    pub(crate) kind: u8,
    pub(crate) repr: u8,
    pub(crate) name: &'a str,
    pub(crate) child: u32,
    pub(crate) count: u64,
    pub(crate) size: u64,
    pub(crate) align: u64,
}

/// One field of a struct record, with its type's record.
pub(crate) struct FieldRecord<'a> {
    pub(crate) name: &'a str,
    pub(crate) offset: u64,
    pub(crate) ty: TypeRecord<'a>,
}

/// One variant of an enum record.
pub(crate) struct VariantRecord<'a> {
    pub(crate) name: &'a str,
    pub(crate) discriminant: u64,
}
