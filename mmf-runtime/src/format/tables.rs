//! Reading an embedded schema (see [`crate::schema`]): its layout constants,
//! its tables located and size-checked, and its type, field and variant
//! records read by index, each checked against its table.

use crate::format::error::{Error, Result};
use crate::format::layout::Scalar;
use crate::format::notes::{self, Notes};

pub(crate) const MAGIC: &[u8; 4] = b"MMFS";
pub(crate) const VERSION: u32 = 4;
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
pub(crate) const TAG_DATA_ENUM: u8 = 26;
pub(crate) const TAG_BOX: u8 = 27;
pub(crate) const TAG_SORTED_MAP: u8 = 28;
pub(crate) const TAG_HASH_MAP: u8 = 29;
pub(crate) const TAG_RECURSIVE: u8 = 30;

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

pub(crate) fn unreadable(at: usize, problem: impl Into<String>) -> Error {
    Error::SchemaUnreadable { at: at as u64, problem: problem.into() }
}

/// The tables of an embedded schema (see [`crate::schema`]), located and
/// size-checked; records are read from them by index.
pub(crate) struct SchemaTables<'a> {
    /// The tables, without the notes.
    bytes: &'a [u8],
    /// The notes; empty if there are none.
    notes: &'a [u8],
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

/// How many of a schema's bytes are its tables (the rest are its notes),
/// as its header says; all of them if it has no readable header.
pub(crate) fn tables_len(bytes: &[u8]) -> usize {
    if bytes.len() < HEADER_LEN || &bytes[..4] != MAGIC {
        return bytes.len();
    }
    let [types, fields, variants, names] = [8, 12, 16, 20].map(|at| le_u32(bytes, at) as u64);
    let len = HEADER_LEN as u64
        + TYPE_LEN as u64 * types
        + FIELD_LEN as u64 * fields
        + VARIANT_LEN as u64 * variants
        + names;
    len.min(bytes.len() as u64) as usize
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
        let end = name_start + names;
        let (len, notes_start) = (bytes.len() as u64, end.next_multiple_of(8));
        if end > len {
            return Err(unreadable(8, format!("its tables need {end} bytes, it has {len}")));
        }
        // All inside `bytes`, so they fit in `usize`.
        let (field_start, variant_start, name_start, end) =
            (field_start as usize, variant_start as usize, name_start as usize, end as usize);
        // What follows the tables' padding is the notes.
        let notes = bytes.get(notes_start as usize..).unwrap_or_default();
        Ok(SchemaTables {
            bytes: &bytes[..end],
            notes,
            counts: [types as u32, fields as u32, variants as u32],
            starts: [field_start, variant_start, name_start],
        })
    }

    /// The notes (see [`crate::format::notes`]), if the schema has them.
    pub(crate) fn notes(&self) -> Result<Option<Notes<'a>>> {
        if self.notes.is_empty() {
            return Ok(None);
        }
        let start = self.bytes.len().next_multiple_of(8);
        notes::read(self.notes, start, self.counts[1]).map(Some)
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
        let named = matches!(kind, TAG_STRUCT | TAG_ENUM | TAG_DATA_ENUM);
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
        // `count` comes from the file: any value, so no overflow.
        let end = u64::from(first).saturating_add(count);
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

    /// The one type a list, option, box or array record points to: after it in the table.
    pub(crate) fn element(&self, ty: &TypeRecord<'a>) -> Result<TypeRecord<'a>> {
        let child = self.range(0, ty.child, 1, Some(ty.index), ty.at)?.start;
        self.type_record(child)
    }

    /// A struct record's fields, each with its type (after the struct's); for
    /// an enum with data, its variants (the discriminant in `offset`, the
    /// payload struct as the type); for a map, `key` and `value` (a set: `key`).
    pub(crate) fn fields(&self, ty: &TypeRecord<'a>) -> Result<Vec<FieldRecord<'a>>> {
        let mut fields = Vec::new();
        for i in self.range(1, ty.child, ty.count, None, ty.at)? {
            let at = self.starts[0] + FIELD_LEN * i as usize;
            let field_type = le_u32(self.bytes, at + 16);
            let field_type = self.range(0, field_type, 1, Some(ty.index), at)?.start;
            fields.push(FieldRecord {
                index: i,
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
    /// Its index in the field table.
    pub(crate) index: u32,
    pub(crate) name: &'a str,
    pub(crate) offset: u64,
    pub(crate) ty: TypeRecord<'a>,
}

/// One variant of an enum record.
pub(crate) struct VariantRecord<'a> {
    pub(crate) name: &'a str,
    pub(crate) discriminant: u64,
}
