//! The embedded schema: a fixed-layout encoding of a [`Layout`] tree, and its hash.
//!
//! Every file carries the encoding of its root type's layout (pointed to by the
//! header's schema offset and length), and the header's schema hash is the
//! 64-bit FNV-1a hash of its tables ([`hash_of`]). Both are computed by `const fn`
//! walks, so [`Mapped::SCHEMA_HASH`](crate::Mapped::SCHEMA_HASH) is a compile-time
//! constant and the embedded bytes always agree with it. After the tables come
//! the *notes*, outside the hash: each field's earlier names and default, and
//! the root type's earlier names (the README's "File format" lays them out).
//!
//! The encoding is itself readable in place: a 32-byte header, then tables of
//! fixed-size records, then the names. All integers are little-endian; every
//! record is 8-aligned when the schema is (writers place it at a multiple of 8).
//!
//! ```text
//! header    32 bytes: magic "MMFS", version u32 (= 4), type count u32,
//!           field count u32, variant count u32, name bytes u32, root type u32 (= 0), 0 u32
//! types     40 bytes each: kind u8, repr u8, 0 u16, name offset u32, name length u32,
//!           child u32, count u64, size u64, align u64
//! fields    24 bytes each: name offset u32, name length u32, offset u64, type u32, 0 u32
//! variants  16 bytes each: name offset u32, name length u32, discriminant u64
//! names     UTF-8, one after the other; offsets count from the start of this table
//! notes     if there are any: zeros up to a multiple of 8, then the notes
//! ```
//!
//! Kinds: 1–14 the scalars `u8 u16 u32 u64 u128 i8 i16 i32 i64 i128 f32 f64 bool
//! char`; 20 `str`; 21 list, 22 option, 23 array, 27 box (`child`: the element's type;
//! an array's `count`: its length); 24 struct (`child`: its first field,
//! `count`: how many); 25 fieldless enum (`repr`: the scalar kind its
//! discriminant is stored as, `child`: its first variant, `count`: how many);
//! 26 enum with data (`repr` as for 25; `child`: its first variant in the
//! *field* table, `count`: how many; a variant's field record holds its
//! discriminant in `offset` and, as its type, the variant's payload: a struct
//! record named after the variant, as large and aligned as the enum, whose
//! field offsets count from the start of the enum); 28 map or set ordered by
//! key, 29 map or set ordered by hash (`child`: its first record in the field
//! table, `count`: 2 for a map, `key` then `value`, 1 for a set, `key`; the
//! records' offsets are 0); 30 a recursive type inside its own fields
//! (`child`: the record of the nearest enclosing struct or enum of that name,
//! which comes *before* it; name, size and align are that type's). Types are listed depth first
//! from the root (type 0), so every type's children come after it; a type used
//! twice is listed twice. `size` and `align` are those of the stored form.

use crate::format::layout::{FieldLayout, Kind, Layout, VariantLayout, has_data};
use crate::format::tables::{
    MAGIC, SchemaTables, TAG_ARRAY, TAG_BOX, TAG_DATA_ENUM, TAG_ENUM, TAG_HASH_MAP, TAG_LIST,
    TAG_OPTION, TAG_RECURSIVE, TAG_SORTED_MAP, TAG_STR, TAG_STRUCT, VERSION, scalar_tag,
};

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

/// The structs and enums enclosing a type, innermost first: where a
/// recursive reference ([`Kind::Recursive`]) points.
struct Enclosing<'p> {
    name: &'p str,
    record: u32,
    outer: Option<&'p Enclosing<'p>>,
}

/// The record of the nearest enclosing type named `name`; `u32::MAX`, which
/// no reader accepts, if there is none.
const fn enclosing_record(mut enclosing: Option<&Enclosing<'_>>, name: &str) -> u32 {
    while let Some(e) = enclosing {
        if same_str(e.name, name) {
            return e.record;
        }
        enclosing = e.outer;
    }
    u32::MAX
}

const fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

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
        self.walk(layout, &mut counts, None, None);
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
            self.walk(layout, &mut at, Some(tables[i]), None);
            i += 1;
        }
    }

    /// Visits the tree depth first, advancing `at`, and writes the records of
    /// `table` (nothing when counting). `enclosing` are the structs and enums
    /// around `layout`, which a recursive reference in it may name.
    const fn walk(
        &mut self,
        layout: &Layout,
        at: &mut Cursor,
        table: Option<Table>,
        enclosing: Option<&Enclosing<'_>>,
    ) {
        let record = at.types;
        let this = Enclosing { name: layout.name, record, outer: enclosing };
        let inner = match layout.kind {
            Kind::Struct(_) | Kind::Enum { .. } => Some(&this),
            _ => enclosing,
        };
        self.walk_record(layout, at, table, inner);
    }

    /// As [`Encoder::walk`], with `enclosing` already including `layout` where
    /// it is a type a recursive reference may name.
    const fn walk_record(
        &mut self,
        layout: &Layout,
        at: &mut Cursor,
        table: Option<Table>,
        enclosing: Option<&Enclosing<'_>>,
    ) {
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
            Kind::Box(_) => (TAG_BOX, 0, at.types, 0),
            Kind::Map { value, hashed, .. } => {
                let tag = if hashed { TAG_HASH_MAP } else { TAG_SORTED_MAP };
                (tag, 0, at.fields, if value.is_some() { 2 } else { 1 })
            }
            Kind::Array { len, .. } => (TAG_ARRAY, 0, at.types, len as u64),
            Kind::Struct(fields) => (TAG_STRUCT, 0, at.fields, fields.len() as u64),
            Kind::Enum { repr, variants } if has_data(variants) => {
                (TAG_DATA_ENUM, scalar_tag(repr), at.fields, variants.len() as u64)
            }
            Kind::Enum { repr, variants } => {
                (TAG_ENUM, scalar_tag(repr), at.variants, variants.len() as u64)
            }
            Kind::Recursive => (TAG_RECURSIVE, 0, enclosing_record(enclosing, layout.name), 0),
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
            Kind::Scalar(_) | Kind::Str | Kind::Recursive => {}
            Kind::List(inner)
            | Kind::Option(inner)
            | Kind::Box(inner)
            | Kind::Array { element: inner, .. } => self.walk(inner, at, table, enclosing),
            Kind::Struct(fields) => {
                // The field records and names, then each field's type.
                at.fields += fields.len() as u32;
                let mut field_type = at.types;
                let mut i = 0;
                while i < fields.len() {
                    let (name, offset) = (fields[i].name, fields[i].offset as u64);
                    self.field_record(at, table, name, offset, field_type);
                    field_type += type_count(fields[i].layout);
                    i += 1;
                }
                let mut i = 0;
                while i < fields.len() {
                    self.walk(fields[i].layout, at, table, enclosing);
                    i += 1;
                }
            }
            Kind::Map { key, value, .. } => {
                // `key` and `value` field records, then their types.
                at.fields += 1 + value.is_some() as u32;
                let key_type = at.types;
                self.field_record(at, table, "key", 0, key_type);
                if value.is_some() {
                    self.field_record(at, table, "value", 0, key_type + type_count(key));
                }
                self.walk(key, at, table, enclosing);
                if let Some(value) = value {
                    self.walk(value, at, table, enclosing);
                }
            }
            Kind::Enum { variants, .. } if has_data(variants) => {
                // One field record per variant, then each variant's payload.
                at.fields += variants.len() as u32;
                let mut payload_type = at.types;
                let mut i = 0;
                while i < variants.len() {
                    let (name, discriminant) = (variants[i].name, variants[i].discriminant);
                    self.field_record(at, table, name, discriminant, payload_type);
                    payload_type += 1 + fields_type_count(variants[i].fields);
                    i += 1;
                }
                // A payload is named after its variant, but is no type a
                // recursive reference could name.
                let mut i = 0;
                while i < variants.len() {
                    self.walk_record(&payload(layout, &variants[i]), at, table, enclosing);
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

impl Encoder<'_> {
    /// Writes (or names, or skips, by `table`) one field record.
    const fn field_record(
        &mut self,
        at: &mut Cursor,
        table: Option<Table>,
        name: &str,
        offset: u64,
        field_type: u32,
    ) {
        let name = name.as_bytes();
        match table {
            Some(Table::Fields) => {
                self.u32(at.names);
                self.u32(name.len() as u32);
                self.u64(offset);
                self.u32(field_type);
                self.u32(0);
            }
            Some(Table::Names) => self.bytes(name),
            _ => {}
        }
        at.names += name.len() as u32;
    }
}

/// The payload of an enum's variant, as the schema lists it: a struct named
/// after the variant, laid over the whole enum.
const fn payload(layout: &Layout, variant: &VariantLayout) -> Layout {
    Layout {
        name: variant.name,
        size: layout.size,
        align: layout.align,
        kind: Kind::Struct(variant.fields),
        frozen: false,
    }
}

/// How many type records a layout takes: itself and everything below it.
const fn type_count(layout: &Layout) -> u32 {
    match layout.kind {
        Kind::Scalar(_) | Kind::Str | Kind::Recursive => 1,
        Kind::List(inner)
        | Kind::Option(inner)
        | Kind::Box(inner)
        | Kind::Array { element: inner, .. } => 1 + type_count(inner),
        Kind::Struct(fields) => 1 + fields_type_count(fields),
        Kind::Map { key, value: Some(value), .. } => 1 + type_count(key) + type_count(value),
        Kind::Map { key, value: None, .. } => 1 + type_count(key),
        Kind::Enum { variants, .. } if has_data(variants) => {
            let mut n = 1;
            let mut i = 0;
            while i < variants.len() {
                n += 1 + fields_type_count(variants[i].fields);
                i += 1;
            }
            n
        }
        Kind::Enum { .. } => 1,
    }
}

/// How many type records some fields' types take.
const fn fields_type_count(fields: &[FieldLayout]) -> u32 {
    let mut n = 0;
    let mut i = 0;
    while i < fields.len() {
        n += type_count(fields[i].layout);
        i += 1;
    }
    n
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
    // The encoder's step, without its output: a file's open hashes its schema.
    let mut hash = FNV_OFFSET;
    let mut i = 0;
    while i < bytes.len() {
        hash = (hash ^ bytes[i] as u64).wrapping_mul(FNV_PRIME);
        i += 1;
    }
    hash
}

/// The schema hash of an encoded schema: [`hash_bytes`] of its tables,
/// without the notes that may follow them (of all its bytes if it has no
/// readable header). A file's header holds it.
///
/// ```
/// use mmf_runtime::{schema, Mapped};
/// let bytes = schema::encode(<Vec<String> as Mapped>::LAYOUT);
/// assert_eq!(schema::hash_of(&bytes), <Vec<String> as Mapped>::SCHEMA_HASH);
/// ```
pub fn hash_of(schema: &[u8]) -> u64 {
    hash_bytes(&schema[..crate::format::tables::tables_len(schema)])
}

/// The canonical encoding of a layout tree, as stored in files: its tables,
/// then the notes of its fields' earlier names and defaults.
///
/// ```
/// use mmf_runtime::{schema, Mapped};
/// let bytes = schema::encode(<Vec<String> as Mapped>::LAYOUT);
/// assert_eq!(schema::hash_of(&bytes), <Vec<String> as Mapped>::SCHEMA_HASH);
/// assert_eq!(&bytes[..4], b"MMFS");
/// ```
pub fn encode(layout: &Layout) -> Vec<u8> {
    encode_renamed(layout, &[])
}

/// [`encode`], with the root type's earlier names
/// ([`Mapped::RENAMED_FROM`](crate::Mapped::RENAMED_FROM)) in the notes, as
/// files hold it.
///
/// ```
/// use mmf_runtime::{schema, Mapped};
/// let plain = schema::encode(<u8 as Mapped>::LAYOUT);
/// let renamed = schema::encode_renamed(<u8 as Mapped>::LAYOUT, &["Byte"]);
/// assert_eq!(schema::hash_of(&plain), schema::hash_of(&renamed));
/// assert!(renamed.len() > plain.len());
/// ```
pub fn encode_renamed(layout: &Layout, root_renamed_from: &[&str]) -> Vec<u8> {
    let mut e = Encoder { out: &mut [], len: 0, hash: FNV_OFFSET };
    e.schema(layout);
    let mut out = vec![0; e.len];
    let mut e = Encoder { out: &mut out, len: 0, hash: FNV_OFFSET };
    e.schema(layout);
    crate::format::notes::append(&mut out, layout, root_renamed_from);
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

/// Every difference between two embedded schemas, by field path, as a
/// refused file's error names the first few: `hikes[_].gps_track[_].t: u64,
/// new in B: A lacks it`. `a_name` and `b_name` name the two sides. Empty if
/// the schemas describe the same layout, or if either cannot be read.
///
/// ```
/// use mmf_runtime::{Mapped, schema};
///
/// let a = schema::encode(<Vec<u32> as Mapped>::LAYOUT);
/// let b = schema::encode(<Vec<u64> as Mapped>::LAYOUT);
/// assert_eq!(schema::differences(&a, &b, "A", "B"), ["[_]: u32 in A, u64 in B"]);
/// assert!(schema::differences(&a, &a, "A", "B").is_empty());
/// ```
pub fn differences(a: &[u8], b: &[u8], a_name: &str, b_name: &str) -> Vec<String> {
    crate::format::diff::compare(a, b, [a_name, b_name], usize::MAX).0
}

#[cfg(test)]
mod tests {
    use super::encode;
    use crate::format::diff::differences;
    use crate::format::layout::{FieldLayout, Kind, Layout, Scalar};

    const U64: Layout =
        Layout { name: "u64", size: 8, align: 8, kind: Kind::Scalar(Scalar::U64), frozen: false };
    const F64: Layout =
        Layout { name: "f64", size: 8, align: 8, kind: Kind::Scalar(Scalar::F64), frozen: false };

    const fn field(name: &'static str, offset: usize, layout: &'static Layout) -> FieldLayout {
        FieldLayout::new(name, offset, layout)
    }

    #[test]
    fn fields_added_removed_and_changed_are_named_by_path() {
        static OLD: [FieldLayout; 2] = [field("x", 0, &F64), field("y", 8, &F64)];
        static NEW: [FieldLayout; 2] = [field("x", 0, &U64), field("t", 8, &U64)];
        let old =
            Layout { name: "Coord", size: 16, align: 8, kind: Kind::Struct(&OLD), frozen: false };
        let new =
            Layout { name: "Coord", size: 16, align: 8, kind: Kind::Struct(&NEW), frozen: false };
        let (shown, count) = differences(&encode(&old), &encode(&new));
        assert_eq!(
            shown,
            [
                "x: f64 in the file, u64 in this program",
                "t: u64, new in this program: the file lacks it",
                "y: f64, in the file only: this program has no such field",
            ]
        );
        assert_eq!(count, 3);
        assert_eq!(differences(&encode(&old), &encode(&old)), (Vec::new(), 0));
        assert_eq!(differences(b"not a schema", &encode(&old)), (Vec::new(), 0));
    }
}
