//! The embedded schema's notes: what a program knows of its types beyond
//! their layout — each field's earlier names (`#[mmf(renamed_from)]`) and
//! the value a file without the field reads as, the root type's earlier
//! names, and the variants that values of unknown variants read as
//! (`#[mmf(other)]`). They follow the schema's tables, outside the bytes the
//! schema hash covers: two programs whose types differ only in defaults or
//! earlier names write files of one schema hash.
//!
//! ```text
//! header   24 bytes: magic "MMFN", field count u32 (the tables'),
//!          root's earlier names: offset u32, count u32,
//!          fallbacks: offset u32, count u32
//! fields   16 bytes each, one per field record of the tables, in their order:
//!          earlier names: offset u32, count u32;
//!          default: offset u32, length u32 (u32::MAX: the field has none;
//!          0: its stored form, all zeros — `0`, `""`, an empty list, `None`)
//! data     fallbacks: 8 bytes each, by ascending type record: an enum's
//!          type record u32, the position u32 of its `other` variant (one
//!          without fields) among its variants;
//!          earlier names: a u32 length, then UTF-8, one after the other;
//!          defaults: a value's stored form and its blocks, laid out as in
//!          a file from offset 64 on (its offsets count as if it lay there)
//! ```
//!
//! All integers are little-endian; offsets count from the notes' start,
//! which is the tables' end rounded up to a multiple of 8. A schema whose
//! tables have no field, whose root has no earlier name and whose enums
//! have no `other` variant has no notes.

use crate::format::error::{Error, Result};
use crate::format::layout::{DefaultImage, FieldLayout, Kind, Layout, has_data};

pub(crate) const NOTES_MAGIC: &[u8; 4] = b"MMFN";
const NOTES_HEADER_LEN: usize = 24;
const FALLBACK_LEN: usize = 8;
const FIELD_NOTE_LEN: usize = 16;
const NO_DEFAULT: u32 = u32::MAX;

/// The notes of one field record, as read from a schema.
pub(crate) struct FieldNote<'a> {
    pub renamed_from: Vec<&'a str>,
    /// The default's stored form and blocks (see the module docs).
    pub default: Option<&'a [u8]>,
}

/// A schema's notes, as read.
pub(crate) struct Notes<'a> {
    pub root_renamed_from: Vec<&'a str>,
    /// By field record.
    pub fields: Vec<FieldNote<'a>>,
    /// `(type record, variant position)` of each enum whose unknown values
    /// read as one of its variants, by ascending type record.
    pub fallbacks: Vec<(u32, u32)>,
}

/// The Rust fields behind a layout's field records, in the tables' order
/// (`None` for a map's `key` and `value` and an enum's variants, which have
/// no notes).
fn field_records<'l>(layout: &'l Layout, out: &mut Vec<Option<&'l FieldLayout>>) {
    let fields = |fields: &'l [FieldLayout], out: &mut Vec<Option<&'l FieldLayout>>| {
        out.extend(fields.iter().map(Some));
        fields.iter().for_each(|f| field_records(f.layout, out));
    };
    match layout.kind {
        Kind::Scalar(_) | Kind::Str | Kind::Recursive => {}
        Kind::List(inner)
        | Kind::Option(inner)
        | Kind::Box(inner)
        | Kind::Array { element: inner, .. } => field_records(inner, out),
        Kind::Struct(f) => fields(f, out),
        Kind::Map { key, value, .. } => {
            out.push(None);
            if value.is_some() {
                out.push(None);
            }
            field_records(key, out);
            if let Some(value) = value {
                field_records(value, out);
            }
        }
        Kind::Enum { variants, .. } if has_data(variants) => {
            out.extend(variants.iter().map(|_| None));
            variants.iter().for_each(|v| fields(v.fields, out));
        }
        Kind::Enum { .. } => {}
    }
}

/// The enums of `layout` with an `other` variant, as `(type record,
/// variant position)`: `next` is `layout`'s record, counted as the tables
/// list types (depth first; an enum with data's variants are types too).
fn fallbacks(layout: &Layout, next: &mut u32, out: &mut Vec<(u32, u32)>) {
    let record = *next;
    *next += 1;
    let fields = |fields: &[FieldLayout], next: &mut u32, out: &mut Vec<(u32, u32)>| {
        fields.iter().for_each(|f| self::fallbacks(f.layout, next, out));
    };
    match layout.kind {
        Kind::Scalar(_) | Kind::Str | Kind::Recursive => {}
        Kind::List(inner)
        | Kind::Option(inner)
        | Kind::Box(inner)
        | Kind::Array { element: inner, .. } => fallbacks(inner, next, out),
        Kind::Struct(f) => fields(f, next, out),
        Kind::Map { key, value, .. } => {
            fallbacks(key, next, out);
            if let Some(value) = value {
                fallbacks(value, next, out);
            }
        }
        Kind::Enum { variants, .. } => {
            if let Some(i) = variants.iter().position(|v| v.other) {
                out.push((record, i as u32));
            }
            if has_data(variants) {
                for v in variants {
                    // The variant's payload, a struct record, then its fields' types.
                    *next += 1;
                    fields(v.fields, next, out);
                }
            }
        }
    }
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn u32_at(out: &mut [u8], at: usize, v: usize) {
    out[at..at + 4].copy_from_slice(&(v as u32).to_le_bytes());
}

/// Appends the notes of `layout` to `schema`, its tables (padding them to a
/// multiple of 8 first); `root_renamed_from` are the root type's earlier names.
pub(crate) fn append(schema: &mut Vec<u8>, layout: &Layout, root_renamed_from: &[&str]) {
    let mut records = Vec::new();
    field_records(layout, &mut records);
    debug_assert_eq!(schema.get(12..16), Some(&(records.len() as u32).to_le_bytes()[..]));
    let mut enums = Vec::new();
    fallbacks(layout, &mut 0, &mut enums);
    if records.is_empty() && root_renamed_from.is_empty() && enums.is_empty() {
        return;
    }
    schema.resize(schema.len().next_multiple_of(8), 0);
    let mut notes = Vec::new();
    notes.extend_from_slice(NOTES_MAGIC);
    put_u32(&mut notes, records.len() as u32);
    notes.resize(NOTES_HEADER_LEN + FIELD_NOTE_LEN * records.len(), 0);
    let names = |notes: &mut Vec<u8>, at: usize, names: &[&str]| {
        let here = notes.len();
        u32_at(notes, at, here);
        u32_at(notes, at + 4, names.len());
        for name in names {
            put_u32(notes, name.len() as u32);
            notes.extend_from_slice(name.as_bytes());
        }
    };
    names(&mut notes, 8, root_renamed_from);
    let here = notes.len();
    u32_at(&mut notes, 16, here);
    u32_at(&mut notes, 20, enums.len());
    for (record, position) in enums {
        put_u32(&mut notes, record);
        put_u32(&mut notes, position);
    }
    for (i, field) in records.iter().enumerate() {
        let at = NOTES_HEADER_LEN + FIELD_NOTE_LEN * i;
        names(&mut notes, at, field.map_or(&[], |f| f.renamed_from));
        match field.and_then(|f| f.default) {
            Some(default) => {
                let image: DefaultImage = (default.0)();
                // All zeros (so without blocks): said by an empty default.
                if image.stored().iter().any(|&b| b != 0) {
                    notes.resize(notes.len().next_multiple_of(8), 0);
                    let here = notes.len();
                    u32_at(&mut notes, at + 8, here);
                    u32_at(&mut notes, at + 12, image.stored().len());
                    notes.extend_from_slice(image.stored());
                }
            }
            None => u32_at(&mut notes, at + 12, NO_DEFAULT as usize),
        }
    }
    schema.extend_from_slice(&notes);
}

/// Reads the notes `bytes`, which start at byte `start` of the schema and
/// belong to tables of `field_count` field records.
pub(crate) fn read(bytes: &[u8], start: usize, field_count: u32) -> Result<Notes<'_>> {
    let unreadable = |at: usize, problem: &str| Error::SchemaUnreadable {
        at: at as u64,
        problem: format!("its notes: {problem}"),
    };
    let slice = |offset: usize, len: usize| bytes.get(offset..).and_then(|rest| rest.get(..len));
    let le = |at: usize| -> Result<usize> {
        match slice(at, 4) {
            Some(b) => Ok(u32::from_le_bytes(b.try_into().expect("four bytes")) as usize),
            None => Err(unreadable(start + at, "they end too early")),
        }
    };
    if bytes.get(..4) != Some(&NOTES_MAGIC[..]) || le(4)? != field_count as usize {
        let problem = format!("they must start with `MMFN` and the tables' {field_count} fields");
        return Err(unreadable(start, &problem));
    }
    let names = |at: usize| -> Result<Vec<&str>> {
        let (mut offset, count) = (le(at)?, le(at + 4)?);
        // Each name takes at least its length's 4 bytes.
        if count > bytes.len() / 4 {
            return Err(unreadable(start + at, "more earlier names than they can hold"));
        }
        let mut names = Vec::with_capacity(count);
        for _ in 0..count {
            let len = le(offset)?;
            let name = slice(offset + 4, len);
            let name =
                name.ok_or_else(|| unreadable(start + at, "an earlier name ends outside them"))?;
            let name = core::str::from_utf8(name)
                .map_err(|_| unreadable(start + offset, "an earlier name is not UTF-8"))?;
            names.push(name);
            offset += 4 + len;
        }
        Ok(names)
    };
    let root_renamed_from = names(8)?;
    let (offset, count) = (le(16)?, le(20)?);
    let listed = slice(offset, count.saturating_mul(FALLBACK_LEN))
        .ok_or_else(|| unreadable(start + 16, "their fallbacks lie outside them"))?;
    let fallbacks: Vec<(u32, u32)> = listed
        .chunks_exact(FALLBACK_LEN)
        .map(|entry| {
            let word =
                |i: usize| u32::from_le_bytes(entry[i..i + 4].try_into().expect("four bytes"));
            (word(0), word(4))
        })
        .collect();
    if fallbacks.windows(2).any(|pair| pair[0].0 >= pair[1].0) {
        return Err(unreadable(start + offset, "their fallbacks are not by ascending type"));
    }
    let mut fields = Vec::with_capacity(field_count as usize);
    for i in 0..field_count as usize {
        let at = NOTES_HEADER_LEN + FIELD_NOTE_LEN * i;
        let default = match (le(at + 8)?, le(at + 12)?) {
            (_, len) if len == NO_DEFAULT as usize => None,
            (offset, len) => Some(
                slice(offset, len)
                    .ok_or_else(|| unreadable(start + at + 8, "a default lies outside them"))?,
            ),
        };
        fields.push(FieldNote { renamed_from: names(at)?, default });
    }
    Ok(Notes { root_renamed_from, fields, fallbacks })
}
